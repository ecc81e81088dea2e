package io.keystonelight.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.keystonelight.store.WriteRefusedException;

/**
 * The writes of every connection of this node, gathered into one Raft log entry per round: while
 * one entry is on its way to a majority, the writes that arrive wait and go together in the next,
 * as the single server's write pipeline shares one fsync among the writes of a round.
 * <p>
 * Rounds, not one entry per write, because Ratis's Netty transport serves the requests of a client
 * connection one at a time, each until it is committed: a follower forwarding its writes one by
 * one would get one write per commit. One round at a time also keeps the writes of a connection
 * in the order they were received, on the leader and through a follower alike.
 */
final class WriteRounds {

    /** A round's entry stays well under the Raft appender's buffer (4 MB by default). */
    static final int MAX_ROUND_BYTES = 1 << 20;

    static final int MAX_ROUND_WRITES = 8192;

    /** What the cluster answered for one write of a round. */
    record Applied(WriteCodec.Result result, long logIndex) {
    }

    /** What the cluster answered for a round's entry: a result per write, in order. */
    record Delivered(List<WriteCodec.Result> results, long logIndex) {
    }

    /** Sends one entry to the leader; fails if the deadline passes first. */
    interface Sender {

        CompletableFuture<Delivered> send(byte[] entry, long deadlineNanos);
    }

    private record Queued(byte[] write, long deadlineNanos, CompletableFuture<Applied> done) {
    }

    private final Sender sender;

    private final Executor executor;

    private final ArrayDeque<Queued> waiting = new ArrayDeque<>();

    private boolean sending;

    WriteRounds(Sender sender, Executor executor) {
        this.sender = sender;
        this.executor = executor;
    }

    /** Queues one encoded write; completes with its result once its round is committed and applied. */
    CompletableFuture<Applied> submit(byte[] write, long deadlineNanos) {
        Queued queued = new Queued(write, deadlineNanos, new CompletableFuture<>());
        boolean start;
        synchronized (this) {
            this.waiting.add(queued);
            start = !this.sending;
            this.sending = true;
        }
        if (start) {
            sendNextRound();
        }
        return queued.done();
    }

    private void sendNextRound() {
        List<Queued> round = new ArrayList<>();
        List<Queued> expired = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            int bytes = 0;
            while (!this.waiting.isEmpty() && round.size() < MAX_ROUND_WRITES) {
                Queued next = this.waiting.peek();
                if (!round.isEmpty() && bytes + next.write().length > MAX_ROUND_BYTES) {
                    break;
                }
                this.waiting.poll();
                if (now - next.deadlineNanos() >= 0) {
                    expired.add(next);
                    continue;
                }
                bytes += next.write().length;
                round.add(next);
            }
            if (round.isEmpty()) {
                // Every waiting write had expired: the queue is empty, the next write starts a round.
                this.sending = false;
            }
        }
        expired.forEach(queued -> queued.done().completeExceptionally(new WriteRefusedException(
                "no quorum: the write waited its whole write timeout behind earlier writes that no majority "
                        + "confirmed, and was not sent", null)));
        if (round.isEmpty()) {
            return;
        }
        long deadline = round.get(0).deadlineNanos();
        List<byte[]> writes = new ArrayList<>(round.size());
        for (Queued queued : round) {
            writes.add(queued.write());
            if (queued.deadlineNanos() - deadline < 0) {
                deadline = queued.deadlineNanos();
            }
        }
        CompletableFuture<Delivered> delivered;
        try {
            delivered = this.sender.send(WriteCodec.encodeBatch(writes), deadline);
        }
        catch (RuntimeException ex) {
            delivered = CompletableFuture.failedFuture(ex);
        }
        delivered.whenCompleteAsync((answer, failure) -> {
            for (int i = 0; i < round.size(); i++) {
                if (failure != null) {
                    round.get(i).done().completeExceptionally(failure);
                }
                else if (i >= answer.results().size()) {
                    round.get(i).done().completeExceptionally(new IllegalStateException(
                            "the cluster answered " + answer.results().size() + " of " + round.size() + " writes"));
                }
                else {
                    round.get(i).done().complete(new Applied(answer.results().get(i), answer.logIndex()));
                }
            }
            sendNextRound();
        }, this.executor);
    }
}
