package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FileChannelOpener;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RepairMode;
import io.keystonelight.support.FaultyDisk;

/**
 * What the store does when its disk fails, and with a damaged file it is asked to repair.
 */
class StoreFaultsTest {

    @TempDir
    Path folder;

    private Path dataFile() {
        return this.folder.resolve("db.txt");
    }

    @Test
    void aWriteRefusedForAFailedFsyncIsTakenOutOfTheFileSoARestartDoesNotBringItBack() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS, disk)) {
            store.set("a", "1");
            disk.failFsync();
            assertThatThrownBy(() -> store.set("a", "2")).isInstanceOf(WriteRefusedException.class);
            assertThat(store.writeFailure()).contains("could not be fsynced");
            assertThat(Files.readString(dataFile())).isEqualTo("a|1\n");
        }
        try (KeyValueStore restarted = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS)) {
            assertThat(restarted.get("a")).isEqualTo("1");
            assertThat(restarted.writeFailure()).as("a restart clears the read-only state").isNull();
            restarted.set("a", "3");
            assertThat(restarted.get("a")).isEqualTo("3");
        }
    }

    @Test
    void afterAFailedFsyncCompactionIsRefusedTooAndTheFileIsLeftAlone() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS, disk)) {
            store.set("a", "1");
            store.set("a", "2");
            disk.failFsync();
            assertThatThrownBy(() -> store.set("b", "1")).isInstanceOf(WriteRefusedException.class);
            assertThatThrownBy(store::compact).hasMessageContaining("accepts no more writes");
            assertThat(Files.readString(dataFile())).isEqualTo("a|1\na|2\n");
            assertThat(store.get("a")).isEqualTo("2");
        }
    }

    @Test
    void aFullDiskRefusesWritesAndDeletesAndCompactionThenRecoversWhenSpaceReturns() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS, disk)) {
            store.set("a", "1");
            store.set("a", "2");
            disk.fillUp();
            assertThatThrownBy(() -> store.set("b", "1")).hasMessageContaining("No space left on device");
            assertThatThrownBy(() -> store.delete(List.of("a"))).hasMessageContaining("No space left on device");
            assertThatThrownBy(store::compact).hasMessageContaining("No space left on device");
            assertThat(store.get("a")).isEqualTo("2");
            assertThat(store.get("b")).isNull();
            assertThat(Files.readString(dataFile())).isEqualTo("a|1\na|2\n");
            assertThat(this.folder.resolve("db.txt.rewrite")).doesNotExist();
            assertThat(store.writeFailure()).as("a full disk is not a lasting failure").isNull();

            disk.freeSpace();
            store.set("b", "1");
            assertThat(store.compact().liveKeys()).isEqualTo(2);
        }
        try (KeyValueStore restarted = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS)) {
            assertThat(restarted.get("a")).isEqualTo("2");
            assertThat(restarted.get("b")).isEqualTo("1");
        }
    }

    @Test
    void aStoreAskedToRepairKeepsTheRecordsBeforeTheDamagedLine() throws IOException {
        Files.writeString(dataFile(), "a|1\nb|2\nbad key|3\nc|4\n");
        try (KeyValueStore store = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS, FileChannelOpener.DEFAULT,
                RepairMode.TRUNCATE)) {
            assertThat(store.get("a")).isEqualTo("1");
            assertThat(store.get("b")).isEqualTo("2");
            assertThat(store.get("c")).isNull();
            assertThat(store.stats().keys()).isEqualTo(2);
            assertThat(store.stats().dataFileBytes()).isEqualTo(8);
        }
        assertThat(Files.readString(dataFile())).isEqualTo("a|1\nb|2\n");
    }
}
