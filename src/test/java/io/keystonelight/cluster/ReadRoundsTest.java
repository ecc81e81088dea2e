package io.keystonelight.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadRoundsTest {

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    private final List<CompletableFuture<Void>> barriers = new ArrayList<>();

    private final ReadRounds rounds = new ReadRounds(this::barrier, this.executor);

    @AfterEach
    void stop() {
        this.executor.shutdownNow();
    }

    private synchronized CompletableFuture<Void> barrier() {
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        this.barriers.add(barrier);
        notifyAll();
        return barrier;
    }

    private synchronized CompletableFuture<Void> awaitBarrier(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (this.barriers.size() < count) {
            long left = deadline - System.nanoTime();
            assertThat(left).as("barrier %d started", count).isPositive();
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return this.barriers.get(count - 1);
    }

    @Test
    void aReadArrivingDuringABarrierWaitsForTheNextOneWhichServesEveryoneWhoWaited() throws Exception {
        CompletableFuture<Void> early = this.rounds.await();
        CompletableFuture<Void> first = awaitBarrier(1);
        List<CompletableFuture<Void>> late = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            late.add(this.rounds.await());
        }
        first.complete(null);
        early.get(10, TimeUnit.SECONDS);
        assertThat(late).as("a barrier that began before them does not serve them").noneMatch(CompletableFuture::isDone);
        CompletableFuture<Void> second = awaitBarrier(2);
        second.complete(null);
        for (CompletableFuture<Void> read : late) {
            read.get(10, TimeUnit.SECONDS);
        }
        synchronized (this) {
            assertThat(this.barriers).as("one barrier for the 50 reads that waited").hasSize(2);
        }
    }

    @Test
    void aFailedBarrierFailsItsReadsOnlyAndTheNextReadGetsANewOne() throws Exception {
        CompletableFuture<Void> read = this.rounds.await();
        awaitBarrier(1).completeExceptionally(new IllegalStateException("no majority"));
        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).hasMessageContaining("no majority");
        CompletableFuture<Void> next = this.rounds.await();
        awaitBarrier(2).complete(null);
        next.get(10, TimeUnit.SECONDS);
    }
}
