package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.support.FaultyDisk;

/**
 * Under {@code fsync everysec} a write is committed on the thread that made it, the event loop,
 * even while another loop is committing one: handing it to the committer would cost a wake-up of
 * the committer and another of the loop for the reply.
 */
class InlineCommitTest {

    private static final Duration HELD = Duration.ofSeconds(30);

    @TempDir
    Path folder;

    @Test
    void aWriteThatFindsAnotherInlineCommitUnderWayWaitsForItInsteadOfGoingToTheCommitter() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.EVERYSEC, disk)) {
            disk.holdWrites();
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> store.set("first", "1"));
            assertThat(disk.awaitHeldWrite(HELD)).as("the first write, in its write call").isTrue();

            CompletableFuture<Void> second = new CompletableFuture<>();
            Thread secondWriter = new Thread(() -> {
                store.set("second", "2");
                second.complete(null);
            }, "second-writer");
            secondWriter.start();
            // Waiting means it chose: parked for the commit lock, or for the committer's answer.
            awaitWaiting(secondWriter);
            disk.releaseWrites();
            first.get(HELD.toSeconds(), TimeUnit.SECONDS);
            second.get(HELD.toSeconds(), TimeUnit.SECONDS);

            assertThat(store.get("second")).isEqualTo("2");
            long[] counts = store.commitCounts();
            assertThat(counts[2])
                    .as("groups the committer thread committed (groups %d, writes %d): a write under everysec "
                            + "should be committed on its own thread, never handed to the committer", counts[0],
                            counts[1])
                    .isZero();
        }
        finally {
            disk.releaseWrites();
        }
    }

    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + HELD.toNanos();
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the second writer never waited for anything within " + HELD.toSeconds()
                        + " s while the first write was held; it is " + thread.getState());
            }
            Thread.onSpinWait();
        }
    }
}
