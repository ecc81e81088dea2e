package io.keystonelight.command;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's state: whether it authenticated, its name, and the order its requests run in.
 * Used only on the connection's event loop.
 *
 * <p>Requests run in the order they arrived, and each sees the effects of every earlier request
 * of its connection. A read runs at once unless an earlier request is still in flight; a write
 * runs at once unless something other than writes is in flight, since the write pipeline keeps
 * consecutive writes in order by itself and so they can share an fsync. A request that cannot
 * run yet waits here, and so does everything after it, until what it waits for completed. No
 * thread blocks for any of it.
 */
public final class Session {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();

    private final Executor eventLoop;

    private final String remoteAddress;

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    private int writesInFlight;

    private boolean otherInFlight;

    private boolean authenticated;

    private String clientName;

    private CommandExecutor executor;

    private final Transaction transaction = new Transaction();

    private final Subscriber subscriber = new Subscriber();

    /** What ends the connection's blocking pop if it closes while blocked; {@code null} when not blocked. */
    private Runnable unblock;

    /** What closes the connection if it blocks while ending; {@code null} while it is not ending. */
    private Runnable closeWhenBlocked;

    public Session(Executor eventLoop, String remoteAddress) {
        this.eventLoop = eventLoop;
        this.remoteAddress = remoteAddress;
    }

    /** Runs {@code command} now or once what it must wait for completed; the future holds its result. */
    CompletableFuture<Object> submit(Command command, CommandExecutor executor) {
        this.executor = executor;
        if (this.waiting.isEmpty() && mayStart(command)) {
            return start(command);
        }
        CompletableFuture<Object> later = new CompletableFuture<>();
        this.waiting.add(new Waiting(command, later));
        return later;
    }

    private boolean mayStart(Command command) {
        if (this.otherInFlight) {
            return false;
        }
        return this.writesInFlight == 0 || command.kind() == Command.Kind.WRITE;
    }

    private CompletableFuture<Object> start(Command command) {
        CompletableFuture<Object> result = this.executor.run(this, command);
        if (result.isDone()) {
            if (result.isCompletedExceptionally()) {
                this.executor.failed();
            }
            return result;
        }
        boolean write = command.kind() == Command.Kind.WRITE;
        if (write) {
            this.writesInFlight++;
        }
        else {
            this.otherInFlight = true;
        }
        result.whenCompleteAsync((value, failure) -> {
            if (failure != null) {
                this.executor.failed();
            }
            if (write) {
                this.writesInFlight--;
            }
            else {
                this.otherInFlight = false;
            }
            startWaiting();
        }, this.eventLoop);
        return result;
    }

    private void startWaiting() {
        while (!this.waiting.isEmpty() && mayStart(this.waiting.peekFirst().command)) {
            Waiting next = this.waiting.pollFirst();
            start(next.command).whenComplete((value, failure) -> {
                if (failure != null) {
                    next.result.completeExceptionally(failure);
                }
                else {
                    next.result.complete(value);
                }
            });
        }
    }

    public Executor eventLoop() {
        return this.eventLoop;
    }

    public Transaction transaction() {
        return this.transaction;
    }

    public Subscriber subscriber() {
        return this.subscriber;
    }

    /** The connection closed: its watches, subscriptions and blocking pop end. */
    public void close() {
        this.transaction.close();
        this.subscriber.close();
        Runnable blocked = this.unblock;
        this.unblock = null;
        if (blocked != null) {
            blocked.run();
        }
    }

    /** The connection is blocked until answered; {@code unblock} runs if it closes first. {@code null}: answered. */
    public void blocked(Runnable unblock) {
        this.unblock = unblock;
        if (unblock != null && this.closeWhenBlocked != null) {
            this.closeWhenBlocked.run();
        }
    }

    /**
     * The connection is ending: the client closed its sending side, or the server stops. Other
     * requests are still answered, but a blocking pop would wait for nobody or hold the stop: as
     * Redis frees such a client, {@code close} ends the connection once (or as soon as) it is blocked.
     */
    public void closeWhenBlocked(Runnable close) {
        this.closeWhenBlocked = close;
        if (this.unblock != null) {
            close.run();
        }
    }

    public long id() {
        return this.id;
    }

    public String remoteAddress() {
        return this.remoteAddress;
    }

    public boolean isAuthenticated() {
        return this.authenticated;
    }

    public void authenticated() {
        this.authenticated = true;
    }

    public String clientName() {
        return this.clientName;
    }

    public void clientName(String name) {
        this.clientName = name;
    }

    private record Waiting(Command command, CompletableFuture<Object> result) {
    }
}
