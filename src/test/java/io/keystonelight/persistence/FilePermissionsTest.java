package io.keystonelight.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.store.KeyValueStore;
import io.keystonelight.support.Needs;

/**
 * The data file holds every value: the files the server creates for it are its owner's alone.
 */
class FilePermissionsTest {

    @TempDir
    Path folder;

    @BeforeEach
    void posixOnly() {
        Needs.require(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "file permissions are checked on POSIX file systems only");
    }

    private String permissions(String name) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(this.folder.resolve(name)));
    }

    @Test
    void theDataFileAndItsLockFileAreCreatedOwnerOnlyAndCompactionKeepsThat() throws IOException {
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS)) {
            assertThat(permissions("db.txt")).isEqualTo("rw-------");
            assertThat(permissions("db.txt.lock")).isEqualTo("rw-------");
            store.set("a", "1");
            store.compact();
            assertThat(permissions("db.txt")).as("the rewritten file").isEqualTo("rw-------");
        }
    }

    @Test
    void compactionKeepsThePermissionsTheOperatorChose() throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.writeString(file, "a|1\na|2\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        try (KeyValueStore store = new KeyValueStore(file, FsyncPolicy.ALWAYS)) {
            store.compact();
        }
        assertThat(Files.readString(file)).isEqualTo("a|2\n");
        assertThat(permissions("db.txt")).isEqualTo("rw-r-----");
    }
}
