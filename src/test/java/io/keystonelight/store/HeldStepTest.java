package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RecordSink;

/**
 * Who runs a compaction's held steps. Under fsync everysec and no the committer sleeps (writes
 * commit on their own threads), and a step handed to it held every writer for the committer's
 * wake-up as well as for the step: the step runs on the compacting thread instead, between two
 * inline commits. Under fsync always the committer is the one committing, so the step still goes
 * through it.
 */
class HeldStepTest {

    @TempDir
    Path folder;

    @Test
    void underFsyncEverysecTheStepRunsOnItsCallerWithoutWakingTheCommitter() throws Exception {
        assertStepRunsOnTheCaller(FsyncPolicy.EVERYSEC);
    }

    @Test
    void underFsyncNoTheStepRunsOnItsCallerWithoutWakingTheCommitter() throws Exception {
        assertStepRunsOnTheCaller(FsyncPolicy.NO);
    }

    @Test
    void underFsyncAlwaysTheStepRunsOnTheCommitter() throws Exception {
        try (AppendOnlyFile file = open(FsyncPolicy.ALWAYS);
                WritePipeline pipeline = new WritePipeline(new StoreTables(), file, new WritePipeline.LiveBytes())) {
            Thread[] ranOn = new Thread[1];
            pipeline.runBetweenGroups(() -> ranOn[0] = Thread.currentThread());
            assertThat(ranOn[0]).as("the thread that ran the step under fsync always").isSameAs(pipeline.committer());
        }
    }

    @Test
    void noWriteIsAppliedWhileTheStepRuns() throws Exception {
        StoreTables tables = new StoreTables();
        try (AppendOnlyFile file = open(FsyncPolicy.EVERYSEC);
                WritePipeline pipeline = new WritePipeline(tables, file, new WritePipeline.LiveBytes())) {
            CountDownLatch stepRuns = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> step = CompletableFuture.runAsync(() -> {
                try {
                    pipeline.runBetweenGroups(() -> {
                        stepRuns.countDown();
                        awaitOrFail(release);
                    });
                }
                catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            assertThat(stepRuns.await(30, TimeUnit.SECONDS)).as("the step started").isTrue();
            CompletableFuture<Object> write = new CompletableFuture<>();
            Thread writer = new Thread(() -> {
                try {
                    write.complete(pipeline.submit(new Write.Put(bytes("k"), bytes("v")))
                            .join());
                }
                catch (RuntimeException ex) {
                    write.completeExceptionally(ex);
                }
            }, "writer");
            writer.start();
            try {
                awaitWaiting(writer);
                assertThat(write).as("a write submitted while the step runs").isNotDone();
                assertThat(tables.strings.size()).as("keys in the table while the step runs").isZero();
            }
            finally {
                release.countDown();
            }
            step.get(30, TimeUnit.SECONDS);
            write.get(30, TimeUnit.SECONDS);
            assertThat(tables.strings.size()).as("keys in the table once the step ended").isEqualTo(1);
        }
    }

    private void assertStepRunsOnTheCaller(FsyncPolicy fsync) throws Exception {
        try (AppendOnlyFile file = open(fsync);
                WritePipeline pipeline = new WritePipeline(new StoreTables(), file, new WritePipeline.LiveBytes())) {
            Thread[] ranOn = new Thread[1];
            pipeline.runBetweenGroups(() -> ranOn[0] = Thread.currentThread());
            assertThat(ranOn[0]).as("the thread that ran the held step under fsync %s: the caller, %s, rather than "
                    + "the sleeping committer, which writers would wait to wake", fsync, Thread.currentThread())
                    .isSameAs(Thread.currentThread());
        }
    }

    private AppendOnlyFile open(FsyncPolicy fsync) throws Exception {
        return AppendOnlyFile.open(this.folder.resolve("db-" + fsync + ".txt"), fsync, new RecordSink() {
        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Until the writer waits (for the commit lock, or for its write's future): it has submitted. */
    private static void awaitWaiting(Thread writer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (writer.getState() != Thread.State.WAITING) {
            if (writer.getState() == Thread.State.TERMINATED) {
                throw new AssertionError("the write was acknowledged while the held step ran; it should wait for "
                        + "the step to end");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the writer did not wait for the held step within 30 s; it is "
                        + writer.getState());
            }
            Thread.onSpinWait();
        }
    }

    private static void awaitOrFail(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the test did not release the step within 30 s");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while holding the step", ex);
        }
    }
}
