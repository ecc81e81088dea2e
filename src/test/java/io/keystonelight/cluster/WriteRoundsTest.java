package io.keystonelight.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.keystonelight.store.Write;
import io.keystonelight.store.WriteRefusedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rounds against a sender that holds each entry until the test lets it go, and answers
 * each write of it with the write's own key, so that a mixed-up answer shows.
 */
class WriteRoundsTest {

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    private final List<byte[]> sentEntries = new ArrayList<>();

    private final List<CompletableFuture<WriteRounds.Delivered>> held = new ArrayList<>();

    private final WriteRounds rounds = new WriteRounds(this::hold, this.executor);

    @AfterEach
    void stop() {
        this.executor.shutdownNow();
    }

    private synchronized CompletableFuture<WriteRounds.Delivered> hold(byte[] entry, long deadline) {
        this.sentEntries.add(entry);
        CompletableFuture<WriteRounds.Delivered> delivered = new CompletableFuture<>();
        this.held.add(delivered);
        notifyAll();
        return delivered;
    }

    private synchronized CompletableFuture<WriteRounds.Delivered> awaitSent(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (this.held.size() < count) {
            long left = deadline - System.nanoTime();
            assertThat(left).as("entry %d was sent", count).isPositive();
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return this.held.get(count - 1);
    }

    private synchronized List<Write<?>> entry(int index) {
        return WriteCodec.decodeBatch(this.sentEntries.get(index));
    }

    /** Answers every write of the entry with its key, as the state machine would answer a GETDEL. */
    private void answer(int index, CompletableFuture<WriteRounds.Delivered> delivered, long logIndex) {
        List<WriteCodec.Result> results = entry(index).stream()
                .map(write -> new WriteCodec.Result(((Write.GetAndDelete) ClusterMembersTest.untimed(write)).key(), null)).toList();
        delivered.complete(new WriteRounds.Delivered(results, logIndex));
    }

    private CompletableFuture<WriteRounds.Applied> submit(String key) {
        return this.rounds.submit(WriteCodec.encode(new Write.GetAndDelete(key.getBytes(StandardCharsets.UTF_8))),
                System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
    }

    private static String key(CompletableFuture<WriteRounds.Applied> done) {
        return new String((byte[]) done.join().result().value(), StandardCharsets.UTF_8);
    }

    @Test
    void writesArrivingWhileARoundIsOutGoTogetherInTheNextAndEachGetsItsOwnAnswer() throws Exception {
        CompletableFuture<WriteRounds.Applied> first = submit("k0");
        CompletableFuture<WriteRounds.Delivered> firstRound = awaitSent(1);
        List<CompletableFuture<WriteRounds.Applied>> later = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            later.add(submit("k" + i));
        }
        assertThat(later).noneMatch(CompletableFuture::isDone);
        answer(0, firstRound, 7);
        assertThat(key(first)).isEqualTo("k0");
        assertThat(first.join().logIndex()).isEqualTo(7);

        CompletableFuture<WriteRounds.Delivered> secondRound = awaitSent(2);
        assertThat(entry(1)).as("the 100 writes that waited, in their order, in one entry").hasSize(100);
        answer(1, secondRound, 8);
        for (int i = 0; i < 100; i++) {
            assertThat(key(later.get(i))).isEqualTo("k" + (i + 1));
            assertThat(later.get(i).join().logIndex()).isEqualTo(8);
        }
    }

    @Test
    void aFailedRoundFailsItsWritesAndTheNextRoundStillGoes() throws Exception {
        CompletableFuture<WriteRounds.Applied> first = submit("a");
        CompletableFuture<WriteRounds.Delivered> firstRound = awaitSent(1);
        CompletableFuture<WriteRounds.Applied> second = submit("b");
        firstRound.completeExceptionally(new IllegalStateException("no majority"));
        assertThatThrownBy(first::join).isInstanceOf(CompletionException.class).hasMessageContaining("no majority");
        answer(1, awaitSent(2), 9);
        assertThat(key(second)).isEqualTo("b");
    }

    @Test
    void aWriteWhoseTimeRanOutWhileWaitingIsRefusedUnsent() throws Exception {
        submit("first");
        CompletableFuture<WriteRounds.Delivered> firstRound = awaitSent(1);
        CompletableFuture<WriteRounds.Applied> expired = this.rounds.submit(
                WriteCodec.encode(new Write.GetAndDelete(new byte[] { 1 })), System.nanoTime() - 1);
        CompletableFuture<WriteRounds.Applied> fresh = submit("fresh");
        answer(0, firstRound, 1);
        answer(1, awaitSent(2), 2);
        assertThatThrownBy(expired::join).hasCauseInstanceOf(WriteRefusedException.class)
                .hasMessageContaining("was not sent");
        assertThat(entry(1)).hasSize(1);
        assertThat(key(fresh)).isEqualTo("fresh");
    }

    @Test
    void aRoundStopsShortOfTheByteLimit() throws Exception {
        submit("first");
        CompletableFuture<WriteRounds.Delivered> firstRound = awaitSent(1);
        String big = "x".repeat(WriteRounds.MAX_ROUND_BYTES / 3);
        for (int i = 0; i < 4; i++) {
            submit(big + i);
        }
        answer(0, firstRound, 1);
        answer(1, awaitSent(2), 2);
        assertThat(entry(1)).as("two thirds of the limit fit, a third would pass it").hasSize(2);
        answer(2, awaitSent(3), 3);
        assertThat(entry(2)).hasSize(2);
    }
}
