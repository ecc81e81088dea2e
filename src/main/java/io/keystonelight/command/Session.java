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

    private boolean resumeScheduled;

    private final Runnable resume = () -> {
        this.resumeScheduled = false;
        startWaiting();
    };

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

    /**
     * A blocked request's attempt to pop is under way: it may take an element, so the connection
     * must stay open until its reply leaves. Closing only between attempts loses nothing.
     */
    private boolean attempting;

    /** {@link #closeWhenBlocked} ran: no attempt may start, its element would have nobody to go to. */
    private boolean closingBlocked;

    private final long createdMillis = System.currentTimeMillis();

    /** Written on the event loop, read by CLIENT LIST on the same loop (it asks each session on its own). */
    private long lastCommandMillis = this.createdMillis;

    private String lastCommand = "NULL";

    private boolean noEvict;

    private Link link = Link.NONE;

    /** Replies off ({@code CLIENT REPLY OFF}), in the order replies leave; see {@link #sends}. */
    private boolean repliesOff;

    private boolean skipNextReply;

    /** RESP's version as the connection's commands run: what HELLO last chose (RESP3 lifts RESP2's subscribed rules). */
    private int protocol = 2;

    /**
     * RESP's version as replies are worded. Apart from {@link #protocol}: a reply is worded when it leaves, in
     * request order, and a write sent before {@code HELLO 3} may finish after HELLO ran; it is still RESP2's.
     */
    private int replyProtocol = 2;

    /** The connection under a session, as CLIENT LIST and CLIENT KILL need it. */
    public interface Link {

        Link NONE = new Link() {
        };

        default String localAddress() {
            return "";
        }

        /** Replies waiting for their turn or for their result. */
        default int pendingReplies() {
            return 0;
        }

        /** Bytes written to the socket's buffer and not yet sent. */
        default long unsentBytes() {
            return 0;
        }

        /** Closes at once, dropping what was not answered. Any thread. */
        default void close() {
        }

        /** Answers what arrived, then closes. Any thread. */
        default void closeAfterReplies() {
        }
    }

    public Session(Executor eventLoop, String remoteAddress) {
        this.eventLoop = eventLoop;
        this.remoteAddress = remoteAddress;
    }

    /** Runs {@code command} now or once what it must wait for completed; the future holds its result. */
    CompletableFuture<Object> submit(Command command, CommandExecutor executor) {
        this.executor = executor;
        this.lastCommandMillis = System.currentTimeMillis();
        this.lastCommand = command.commandName();
        boolean held = executor.pause().holds(command);
        if (this.waiting.isEmpty() && !held && mayStart(command)) {
            return start(command);
        }
        CompletableFuture<Object> later = new CompletableFuture<>();
        this.waiting.add(new Waiting(command, later));
        if (held && this.waiting.size() == 1) {
            executor.pause().park(this);
        }
        return later;
    }

    /**
     * Whether {@code command} may run at once, with nothing of this connection before it in flight
     * or waiting, and no pause holding it: then the caller runs it itself, without {@link #submit},
     * and it counts as run here.
     * @param readMillis the clock when the read that brought it began to run, its time as CLIENT LIST shows it
     */
    boolean runsNow(Command command, CommandExecutor executor, long readMillis) {
        if (!this.waiting.isEmpty() || !mayStart(command) || executor.pause().holds(command)) {
            return false;
        }
        this.executor = executor;
        this.lastCommandMillis = readMillis;
        this.lastCommand = command.commandName();
        return true;
    }

    /**
     * A write the executor submitted itself, its reply's place as its completion ({@link
     * Replies#awaitWrite}): in flight until {@link #writeEnded}.
     */
    void writeStarted() {
        this.writesInFlight++;
    }

    /**
     * On the event loop: a write started by {@link #writeStarted} was answered. What waits for it
     * runs in a task of its own, not inside the write pipeline's answers to the loop.
     */
    public void writeEnded(boolean failed) {
        if (failed) {
            this.executor.failed();
        }
        this.writesInFlight--;
        if (!this.waiting.isEmpty() && !this.resumeScheduled) {
            this.resumeScheduled = true;
            this.eventLoop.execute(this.resume);
        }
    }

    /** On the event loop: the pause ended or was lifted; what waited for it runs, unless paused again. */
    void resumeAfterPause() {
        startWaiting();
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
            if (this.executor.pause().holds(this.waiting.peekFirst().command)) {
                this.executor.pause().park(this);
                return;
            }
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
        if (unblock == null) {
            this.attempting = false;
        }
    }

    /**
     * A blocked request is about to try to pop; false once the connection is closing, when it must
     * not: what it popped would be persisted with nobody left to receive it.
     */
    public boolean attemptStarts() {
        if (this.closingBlocked) {
            return false;
        }
        this.attempting = true;
        return true;
    }

    /** The attempt found nothing: the request waits, or the connection closes now if it is ending. */
    public void attemptFoundNothing() {
        this.attempting = false;
        closeIfWaiting();
    }

    /**
     * The connection is ending: the client closed its sending side, or the server stops. Other
     * requests are still answered, but a blocking pop would wait for nobody or hold the stop: as
     * Redis frees such a client, {@code close} ends the connection once (or as soon as) it waits,
     * never while an attempt to pop is under way, whose element must reach the client.
     */
    public void closeWhenBlocked(Runnable close) {
        this.closeWhenBlocked = close;
        closeIfWaiting();
    }

    /** Whether a blocking request waits for its answer. */
    public boolean isBlocked() {
        return this.unblock != null;
    }

    /** Whether the connection is ending: no new request is taken. */
    public boolean isEnding() {
        return this.closeWhenBlocked != null;
    }

    private void closeIfWaiting() {
        if (this.closeWhenBlocked != null && this.unblock != null && !this.attempting && !this.closingBlocked) {
            this.closingBlocked = true;
            this.closeWhenBlocked.run();
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

    public void link(Link link) {
        this.link = link;
    }

    public Link link() {
        return this.link;
    }

    public void noEvict(boolean on) {
        this.noEvict = on;
    }

    /**
     * Whether the reply to {@code command} is sent, asked in the order replies leave: {@code CLIENT
     * REPLY OFF} and {@code SKIP} are not answered, and silence the replies after them (all, or the
     * next one) until {@code CLIENT REPLY ON}, as Redis does.
     */
    public boolean sends(Command command) {
        Command.ReplyMode mode = command.replyMode();
        if (mode != null) {
            this.repliesOff = mode == Command.ReplyMode.OFF;
            this.skipNextReply = mode == Command.ReplyMode.SKIP;
            return mode == Command.ReplyMode.ON;
        }
        if (this.repliesOff) {
            return false;
        }
        if (this.skipNextReply) {
            this.skipNextReply = false;
            return false;
        }
        return true;
    }

    public int protocol() {
        return this.protocol;
    }

    public void protocol(int version) {
        this.protocol = version;
    }

    public int replyProtocol() {
        return this.replyProtocol;
    }

    public void replyProtocol(int version) {
        this.replyProtocol = version;
    }

    /** Whether it must keep to RESP2's subscribed rules: subscribed, and not switched to RESP3. */
    public boolean inSubscribedMode() {
        return this.protocol == 2 && this.subscriber.count() > 0;
    }

    /** Whether CLIENT LIST's {@code TYPE pubsub} takes it: it subscribed to a channel or a pattern. */
    public boolean isSubscriber() {
        return this.subscriber.count() > 0;
    }

    /** This connection's line of {@code CLIENT LIST}, in Redis 7.0's fields; on the event loop only. */
    public String describe() {
        long now = System.currentTimeMillis();
        int queued = this.transaction.queuedCount();
        StringBuilder flags = new StringBuilder();
        if (isSubscriber()) {
            flags.append('P');
        }
        if (queued >= 0) {
            flags.append('x');
        }
        if (this.noEvict) {
            flags.append('e');
        }
        if (flags.isEmpty()) {
            flags.append('N');
        }
        // Figures of Redis's own buffers (qbuf, argv-mem, rbs, ...) have no counterpart here and read 0;
        // fd is -1 because the transport does not expose its descriptors.
        return "id=" + this.id + " addr=" + this.remoteAddress + " laddr=" + this.link.localAddress() + " fd=-1"
                + " name=" + (this.clientName == null ? "" : this.clientName)
                + " age=" + (now - this.createdMillis) / 1000 + " idle=" + (now - this.lastCommandMillis) / 1000
                + " flags=" + flags + " db=0 sub=" + this.subscriber.channels().size()
                + " psub=" + this.subscriber.patterns().size() + " ssub=0 multi=" + queued
                + " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0"
                + " oll=" + this.link.pendingReplies() + " omem=" + this.link.unsentBytes() + " tot-mem=0"
                + " events=r cmd=" + this.lastCommand + " user=default redir=-1 resp=" + this.protocol + "\n";
    }

    private record Waiting(Command command, CompletableFuture<Object> result) {
    }
}
