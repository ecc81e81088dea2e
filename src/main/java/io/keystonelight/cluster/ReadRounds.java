package io.keystonelight.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Read barriers shared among the reads of every connection of this node: one barrier at a time,
 * and the reads that arrive meanwhile wait for the next one, which starts after they arrived and
 * so covers every write acknowledged before them. One barrier per read would queue them behind
 * each other anyway: Ratis's Netty transport serves a connection's requests one at a time.
 */
final class ReadRounds {

    private final Supplier<CompletableFuture<Void>> barrier;

    private final Executor executor;

    private List<CompletableFuture<Void>> waiting = new ArrayList<>();

    private boolean inFlight;

    ReadRounds(Supplier<CompletableFuture<Void>> barrier, Executor executor) {
        this.barrier = barrier;
        this.executor = executor;
    }

    /** Completes once a barrier that began after this call has passed; fails as that barrier did. */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> passed = new CompletableFuture<>();
        boolean start;
        synchronized (this) {
            this.waiting.add(passed);
            start = !this.inFlight;
            this.inFlight = true;
        }
        if (start) {
            startRound();
        }
        return passed;
    }

    private void startRound() {
        List<CompletableFuture<Void>> round;
        synchronized (this) {
            round = this.waiting;
            if (round.isEmpty()) {
                this.inFlight = false;
                return;
            }
            this.waiting = new ArrayList<>();
        }
        CompletableFuture<Void> done;
        try {
            done = this.barrier.get();
        }
        catch (RuntimeException ex) {
            done = CompletableFuture.failedFuture(ex);
        }
        done.whenCompleteAsync((ignored, failure) -> {
            for (CompletableFuture<Void> read : round) {
                if (failure != null) {
                    read.completeExceptionally(failure);
                }
                else {
                    read.complete(null);
                }
            }
            startRound();
        }, this.executor);
    }
}
