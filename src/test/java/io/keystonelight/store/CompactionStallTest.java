package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.support.FaultyDisk;

/**
 * What writers wait for while a compaction ends: the switch of the append target, never the
 * compacted file's fsync, its rename or the folder's fsync; and that the file under the data
 * file's name holds every write at every moment of it.
 */
class CompactionStallTest {

    private static final Duration HELD = Duration.ofSeconds(30);

    private final ExecutorService compactor = Executors.newSingleThreadExecutor();

    @TempDir
    Path folder;

    @AfterEach
    void stop() throws InterruptedException {
        this.compactor.shutdownNow();
        assertThat(this.compactor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void writesGoOnIntoBothFilesWhileTheCompactedFileIsFsyncedBeforeItsRename() throws Exception {
        Path dataFile = this.folder.resolve("db.txt");
        FaultyDisk disk = new FaultyDisk();
        // fsync no: the only fsyncs asked of the disk are the compaction's own.
        try (KeyValueStore store = new KeyValueStore(dataFile, FsyncPolicy.NO, disk)) {
            overwriteEachKeyOnce(store);
            disk.holdFsyncs();
            Future<CompactionResult> compaction = this.compactor.submit(store::compact);
            assertThat(disk.awaitHeldFsync(HELD)).as("the fsync of the snapshot, before the switch").isTrue();
            disk.releaseHeldAndHoldAgain();
            assertThat(disk.awaitHeldFsync(HELD)).as("the fsync of the compacted file, after the switch").isTrue();

            try {
                assertWriteGoesOn(store, "the compacted file's fsync was held; writers should wait only for the "
                        + "switch of the append target");
            }
            finally {
                // Whatever happened, the compaction must not stay held.
                disk.releaseFsyncs();
            }
            // The compacted file is not in place yet: the old one under the name must have the write.
            assertThat(Files.readString(dataFile, StandardCharsets.UTF_8))
                    .as("the data file while its replacement is fsynced").contains("k999|new\n").endsWith("late|1\n");

            CompactionResult result = compaction.get(HELD.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.liveKeys()).isEqualTo(1000);
            store.set("after", "2");
        }
        try (KeyValueStore restarted = new KeyValueStore(dataFile, FsyncPolicy.NO)) {
            assertThat(restarted.get("late")).isEqualTo("1");
            assertThat(restarted.get("after")).isEqualTo("2");
            assertThat(restarted.get("k0")).isEqualTo("new");
        }
        assertThat(Files.readAllLines(dataFile)).as("one record per live key, and the writes after it").hasSize(1002);
    }

    @Test
    void writesGoOnWhileTheReplacedFileIsClosed() throws Exception {
        Path dataFile = this.folder.resolve("db.txt");
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(dataFile, FsyncPolicy.NO, disk)) {
            overwriteEachKeyOnce(store);
            disk.holdCloses();
            Future<CompactionResult> compaction = this.compactor.submit(store::compact);
            assertThat(disk.awaitHeldClose(HELD)).as("the close of the replaced data file").isTrue();

            try {
                assertWriteGoesOn(store, "the replaced data file was being closed; that close frees the old file's "
                        + "blocks and cached pages, which writers should not wait for");
            }
            finally {
                disk.releaseCloses();
            }
            assertThat(compaction.get(HELD.toSeconds(), TimeUnit.SECONDS).liveKeys()).isEqualTo(1000);
        }
        assertRestartFindsTheLateWrite(dataFile);
    }

    @Test
    void writesGoOnWhileTheCompactedFileIsCreated() throws Exception {
        Path dataFile = this.folder.resolve("db.txt");
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(dataFile, FsyncPolicy.NO, disk)) {
            overwriteEachKeyOnce(store);
            disk.holdOpens();
            Future<CompactionResult> compaction = this.compactor.submit(store::compact);
            assertThat(disk.awaitHeldOpen(HELD)).as("the creation of the compacted file").isTrue();
            try {
                assertWriteGoesOn(store, "the compacted file was being created; creating a file can wait for the "
                        + "file system's journal, which writers should not wait for");
            }
            finally {
                disk.releaseOpens();
            }
            assertThat(compaction.get(HELD.toSeconds(), TimeUnit.SECONDS).liveKeys()).isEqualTo(1001);
        }
        assertRestartFindsTheLateWrite(dataFile);
    }

    @Test
    void theSwitchToTheCompactedFileDoesNotWaitForTheBackgroundFsync() throws Exception {
        Path dataFile = this.folder.resolve("db.txt");
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(dataFile, FsyncPolicy.EVERYSEC, disk)) {
            overwriteEachKeyOnce(store);
            // The once-a-second fsync of the data file is held; the compacted file's own fsyncs are not.
            disk.holdFsyncsOf("db.txt");
            Future<CompactionResult> compaction;
            try {
                // What the scheduler runs each second, here on a thread of its own.
                CompletableFuture.runAsync(store::syncEverySecond);
                assertThat(disk.awaitHeldFsync(HELD)).as("the background fsync of the data file").isTrue();
                compaction = this.compactor.submit(store::compact);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                // Renamed into place: the switch, which writers wait for, is behind it.
                while (Files.readAllLines(dataFile).size() > 1000) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the compacted file did not replace the data file within 10 s "
                                + "while the background fsync of the old one was held; the switch to it should "
                                + "not wait for that fsync");
                    }
                    Thread.onSpinWait();
                }
                assertWriteGoesOn(store, "the background fsync of the replaced data file was held");
            }
            finally {
                disk.releaseFsyncs();
            }
            assertThat(compaction.get(HELD.toSeconds(), TimeUnit.SECONDS).liveKeys()).isEqualTo(1000);
        }
        assertRestartFindsTheLateWrite(dataFile);
    }

    private static void overwriteEachKeyOnce(KeyValueStore store) {
        for (int i = 0; i < 1000; i++) {
            store.set("k" + i, "old");
            store.set("k" + i, "new");
        }
    }

    /** Sets late=1 and fails unless it is acknowledged within 10 s. */
    private static void assertWriteGoesOn(KeyValueStore store, String whileWhat) throws Exception {
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> store.set("late", "1"));
        try {
            write.get(10, TimeUnit.SECONDS);
        }
        catch (TimeoutException ex) {
            throw new AssertionError("a write waited over 10 s while " + whileWhat, ex);
        }
    }

    private static void assertRestartFindsTheLateWrite(Path dataFile) throws Exception {
        try (KeyValueStore restarted = new KeyValueStore(dataFile, FsyncPolicy.NO)) {
            assertThat(restarted.get("late")).isEqualTo("1");
            assertThat(restarted.get("k999")).isEqualTo("new");
        }
    }
}
