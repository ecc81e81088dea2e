package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.support.FaultyDisk;

/**
 * The writes an event loop submits in one round (what one {@code epoll_wait} brought it) go on
 * as one group, whatever the fsync policy, and come back to the loop: a write is acknowledged
 * only once its group is durable, and a group that fails refuses every write in it.
 */
class WriteGroupsTest {

    private static final int WRITES = 16;

    @TempDir
    Path folder;

    /** An event loop as the server's: one that runs tasks at the end of each of its rounds. */
    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    private final EventLoop loop = this.loops.next();

    @AfterEach
    void stopLoop() {
        this.loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest
    @EnumSource(value = FsyncPolicy.class, names = { "ALWAYS", "EVERYSEC" })
    void theWritesOfOneRoundOfAnEventLoopMakeOneGroupAndAreAnsweredOnTheLoop(FsyncPolicy fsync) throws Exception {
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), fsync, new FaultyDisk())) {
            store.set("before", "0");
            long[] before = store.commitCounts();

            List<CompletableFuture<Thread>> answeredOn = submitInOneRound(store, WRITES);
            for (CompletableFuture<Thread> answer : answeredOn) {
                assertThat(answer.get(30, TimeUnit.SECONDS))
                        .as("the thread that completed a write submitted on the event loop")
                        .isSameAs(loopThread());
            }

            long[] after = store.commitCounts();
            assertThat(after[1] - before[1]).as("writes committed").isEqualTo(WRITES);
            assertThat(after[0] - before[0])
                    .as("groups the %d writes of one round of the loop were committed in, under fsync %s: "
                            + "expected them to share one group (one write call%s)", WRITES, fsync,
                            fsync == FsyncPolicy.ALWAYS ? " and one fsync" : "")
                    .isEqualTo(1);
            for (int i = 0; i < WRITES; i++) {
                assertThat(store.get("round:" + i)).isEqualTo(Integer.toString(i));
            }
        }
    }

    @Test
    void aFailedFsyncRefusesEveryWriteOfTheRoundAndAppliesNone() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS, disk)) {
            store.set("before", "0");
            disk.failFsync();
            List<CompletableFuture<Thread>> answers = submitInOneRound(store, WRITES);
            for (CompletableFuture<Thread> answer : answers) {
                assertThat(answer).failsWithin(30, TimeUnit.SECONDS)
                        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                        .havingCause()
                        .isInstanceOf(WriteRefusedException.class);
            }
            for (int i = 0; i < WRITES; i++) {
                assertThat(store.get("round:" + i)).as("a refused write's key").isNull();
            }
        }
        // What the file holds is what a restart finds: none of the refused writes were acknowledged.
        String content = Files.readString(this.folder.resolve("db.txt"), StandardCharsets.UTF_8);
        assertThat(content).startsWith("before|0\n");
    }

    /** Submits {@code count} writes from one task of the loop, so all in the same round. */
    private List<CompletableFuture<Thread>> submitInOneRound(KeyValueStore store, int count) throws Exception {
        return this.loop.submit(() -> {
            List<CompletableFuture<Thread>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] key = ("round:" + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
                store.submit(new Write.Put(key, value)).whenComplete((result, failure) -> {
                    if (failure != null) {
                        answeredOn.completeExceptionally(failure instanceof CompletionException wrapped
                                && wrapped.getCause() != null ? wrapped.getCause() : failure);
                    }
                    else {
                        answeredOn.complete(Thread.currentThread());
                    }
                });
                answers.add(answeredOn);
            }
            return answers;
        }).get(30, TimeUnit.SECONDS);
    }

    private Thread loopThread() throws Exception {
        return this.loop.submit(Thread::currentThread).get(30, TimeUnit.SECONDS);
    }
}
