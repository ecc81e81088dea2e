package io.keystonelight.persistence;

import java.nio.file.Path;

/**
 * Another process already serves this data file; two writers would interleave their records.
 */
public class DataFileLockedException extends RuntimeException {

    public DataFileLockedException(Path dataFile, Path lockFile) {
        super("data file " + dataFile + " is already in use by another KeystoneLight server (it holds the lock on "
                + lockFile + ")");
    }
}
