package io.keystonelight.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the channels of the data file and its rewrites. The one way in for tests that need a
 * disk that fails: a full disk or a failing fsync cannot be had on demand on every machine.
 */
@FunctionalInterface
public interface FileChannelOpener {

    FileChannelOpener DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}
