package io.keystonelight.command.data;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.store.BlockedKeys;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Write;

import org.springframework.stereotype.Component;

/**
 * Runs {@link DataRequest}s: a write through the store's write pipeline (or the replicated log),
 * stamped with the time it was accepted and a seed for what it picks at random, so that every
 * replica makes the same change; a read after the store's read barrier.
 */
@Component
public class DataCommandFamily implements CommandFamily {

    private final KeyValueStore store;

    private final ThreadLocal<SplittableRandom> seeds = ThreadLocal.withInitial(SplittableRandom::new);

    public DataCommandFamily(KeyValueStore store) {
        this.store = store;
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof DataRequest;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        DataRequest request = (DataRequest) command;
        DataCommand data = request.command();
        BlockingPops.Pop blocking = DataCommands.blocking(data);
        if (blocking != null) {
            return block(session, request, blocking);
        }
        if (data.write()) {
            return attempt(request);
        }
        CompletableFuture<Void> barrier = this.store.readBarrier();
        if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(data.body().run(this.store.view(), request.args()));
        }
        return barrier.thenApply(ignored -> data.body().run(this.store.view(), request.args()));
    }

    private CompletableFuture<Object> attempt(DataRequest request) {
        return this.store.submit(new Write.Exec(request.command(), request.args(), System.currentTimeMillis(),
                this.seeds.get().nextLong()));
    }

    /**
     * A blocking pop: queued on its keys before its first attempt, so that no change after that
     * attempt goes unnoticed; then tried again on its own event loop whenever woken, until it
     * pops, its timeout passes or its connection closes. Nothing waits but a callback in the
     * queues and, with a timeout, a task scheduled on the event loop.
     */
    private CompletableFuture<Object> block(Session session, DataRequest request, BlockingPops.Pop pop) {
        List<byte[]> keys;
        long timeout;
        try {
            keys = pop.keys().apply(request.args());
            timeout = BlockingPops.timeoutMillis(pop.timeout().apply(request.args()));
        }
        catch (RuntimeException invalid) {
            // The attempt refuses it, with the error Redis gives first for these arguments.
            return attempt(request);
        }
        return new Blocked(session, request, pop, keys, timeout).reply;
    }

    /** One blocked request; used on its connection's event loop only, but for the wake-up hand-off. */
    private final class Blocked {

        private final CompletableFuture<Object> reply = new CompletableFuture<>();

        private final Session session;

        private final DataRequest request;

        private final BlockingPops.Pop pop;

        private final ScheduledExecutorService eventLoop;

        private final BlockedKeys.Waiter waiter;

        private ScheduledFuture<?> timer;

        private boolean expired;

        /** Its connection closed: no attempt may take an element that nobody would receive. */
        private boolean gone;

        Blocked(Session session, DataRequest request, BlockingPops.Pop pop, List<byte[]> keys, long timeout) {
            this.session = session;
            this.request = request;
            this.pop = pop;
            this.eventLoop = (ScheduledExecutorService) session.eventLoop();
            this.waiter = DataCommandFamily.this.store.blocked().block(keys,
                    pop.type(), () -> this.eventLoop.execute(this::tryPop));
            if (timeout > 0) {
                this.timer = this.eventLoop.schedule(this::timedOut, timeout, TimeUnit.MILLISECONDS);
            }
            session.blocked(this::closed);
            tryPop();
        }

        private void tryPop() {
            if (this.reply.isDone() || this.gone || !this.session.attemptStarts()) {
                return;
            }
            attempt(this.request).whenCompleteAsync(this::attempted, this.eventLoop);
        }

        private void attempted(Object value, Throwable failure) {
            if (this.reply.isDone()) {
                return;
            }
            if (failure != null) {
                this.waiter.answered();
                finish();
                this.reply.completeExceptionally(failure);
            }
            else if (value != this.pop.nothing()) {
                this.waiter.answered();
                finish();
                this.reply.complete(value);
            }
            else if (this.expired) {
                this.waiter.answered();
                finish();
                this.reply.complete(CommandExecutor.NULL_ARRAY);
            }
            else {
                boolean changedMeanwhile = this.waiter.foundNothing();
                // Closes the connection here if it is ending: nothing was taken.
                this.session.attemptFoundNothing();
                if (changedMeanwhile) {
                    tryPop();
                }
            }
        }

        private void timedOut() {
            this.expired = true;
            if (!this.reply.isDone() && this.waiter.timedOut()) {
                finish();
                // Redis 7.0 answers every timed-out pop with a null array, BLMOVE's too.
                this.reply.complete(CommandExecutor.NULL_ARRAY);
            }
        }

        private void closed() {
            this.gone = true;
            this.waiter.closed();
            if (this.timer != null) {
                this.timer.cancel(false);
            }
        }

        private void finish() {
            this.session.blocked(null);
            if (this.timer != null) {
                this.timer.cancel(false);
            }
        }
    }
}
