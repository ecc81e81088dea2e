package io.keystonelight.command;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.compaction.CompactionHistory;
import io.keystonelight.persistence.DataFileException;
import io.keystonelight.security.PasswordCheck;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Write;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Executes the commands both protocols share against the store, and hands the others to their
 * {@link CommandFamily}. Runs on the connection's event loop and never blocks it: a write returns
 * a future that the write pipeline completes once the write is durable; a compaction runs on a
 * thread of its own.
 */
@Component
public class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    /** The result of a command that succeeded with nothing more to say: {@code OK}. */
    public static final Object OK = new Object() {

        @Override
        public String toString() {
            return "OK";
        }
    };

    private static final CompletableFuture<Object> DONE_OK = CompletableFuture.completedFuture(OK);

    private final KeyValueStore store;

    private final PasswordCheck passwordCheck;

    private final Executor slowCommands;

    private final List<CommandFamily> families;

    private final CompactionHistory compactions;

    private final Transactions transactions;

    /** Requests run, by {@link Command.Kind}, and requests that failed: counted, never timed. */
    private final LongAdder[] commandsByKind = { new LongAdder(), new LongAdder(), new LongAdder() };

    private final LongAdder failures = new LongAdder();

    private final ClientPause pause = new ClientPause();

    public CommandExecutor(KeyValueStore store, CompactionHistory compactions, PasswordCheck passwordCheck,
            @Qualifier("slowCommands") Executor slowCommands, List<CommandFamily> families) {
        this.store = store;
        this.compactions = compactions;
        this.passwordCheck = passwordCheck;
        this.slowCommands = slowCommands;
        this.families = families;
        this.transactions = new Transactions(store, this::run);
    }

    /** Runs every request of {@code batch} in order and returns their replies, in the same order. */
    public ReplyBatch execute(RequestBatch batch) {
        List<PendingReply> replies = new java.util.ArrayList<>(batch.commands().size());
        execute(batch, new Replies() {

            @Override
            public void ready(Command command, Object result) {
                replies.add(new PendingReply(command, CompletableFuture.completedFuture(result)));
            }

            @Override
            public void failed(Command command, Throwable failure) {
                replies.add(new PendingReply(command, CompletableFuture.failedFuture(failure)));
            }

            @Override
            public void later(Command command, CompletableFuture<Object> result) {
                replies.add(new PendingReply(command, result));
            }
        });
        return new ReplyBatch(replies);
    }

    /**
     * Runs every request of {@code batch} in order and hands their replies to {@code replies}, in
     * the same order: a reply that is there at once goes as it is, so that a read whose replies
     * are all ready makes no future and no reply object.
     */
    public void execute(RequestBatch batch, Replies replies) {
        List<Command> commands = batch.commands();
        Session session = batch.session();
        // When the read's GETs ran, for CLIENT LIST's idle time (whole seconds): one clock read
        // a read, not one a request.
        long readMillis = System.currentTimeMillis();
        for (int i = 0, n = commands.size(); i < n; i++) {
            Command command = commands.get(i);
            this.commandsByKind[command.kind().ordinal()].increment();
            if (command instanceof GetInPlace inPlace) {
                // Its key is the decoder's until the read ends: answered now, or made a GET of its own.
                if ((session.isAuthenticated() || !this.passwordCheck.required()) && !session.inSubscribedMode()
                        && session.transaction().queuedCount() < 0
                        && getNow(session, inPlace.keyBytes(), inPlace.keyLength(), replies, readMillis)) {
                    continue;
                }
                command = inPlace.detach();
            }
            // A connection that must still authenticate, or that subscribed, queues nothing: what it may
            // not run is refused as it runs. Subscribed, every command it may run answers at once.
            if ((session.isAuthenticated() || !this.passwordCheck.required()) && !session.inSubscribedMode()) {
                CompletableFuture<Object> queued = session.transaction().queue(command);
                if (queued != null) {
                    replies.of(command, queued);
                    continue;
                }
                command = session.transaction().bind(command);
                if (command instanceof Command.Get get
                        && getNow(session, get.key(), get.key().length, replies, readMillis)) {
                    continue;
                }
                if (command instanceof Transactional write && command.kind() == Command.Kind.WRITE
                        && writeNow(session, command, write, replies, readMillis)) {
                    continue;
                }
            }
            replies.of(command, session.submit(command, this));
        }
    }

    /**
     * GET when nothing holds it back (no earlier request of its connection in flight, no pause, no
     * cluster read barrier): its value goes from the store to the reply with no future, and when
     * no earlier reply waits, straight from the store's arena into what the connection sends.
     * Returns {@code false}, having done nothing, when it must go the way every command goes.
     */
    private boolean getNow(Session session, byte[] key, int keyLength, Replies replies, long readMillis) {
        Command.Get get = GetInPlace.REPLY;
        CompletableFuture<Void> barrier = this.store.readBarrier();
        if (!barrier.isDone() || barrier.isCompletedExceptionally() || !session.runsNow(get, this, readMillis)) {
            return false;
        }
        try {
            io.keystonelight.store.KeyTable.ValueReader now = replies.valueNow(get);
            if (now == null) {
                byte[] exact = keyLength == key.length ? key : java.util.Arrays.copyOf(key, keyLength);
                replies.ready(get, valueOrNull(this.store.get(exact)));
            }
            else if (!this.store.readString(key, keyLength, now)) {
                replies.ready(get, NONE);
            }
        }
        catch (RuntimeException ex) {
            if (!(ex instanceof io.keystonelight.store.WriteRejectedException)) {
                log.error("A request failed unexpectedly: GET of {} bytes of key", keyLength, ex);
            }
            failed();
            replies.failed(get, ex);
        }
        return true;
    }

    /**
     * A write that may run now (nothing of its connection holds it back, no pause, one node): the
     * write pipeline answers it straight into its reply's place, with no future, stage or task of
     * its own. Every command that is a step of a transaction and a write runs alone as that one
     * step, its reply made by {@link Transactional#reply}: the same as its family runs it.
     * Returns {@code false}, having done nothing, when it must go the way every command goes.
     */
    private boolean writeNow(Session session, Command command, Transactional write, Replies replies,
            long readMillis) {
        if (!this.store.completesInPlace() || !session.runsNow(command, this, readMillis)) {
            return false;
        }
        io.keystonelight.store.WriteCompletion reply = replies.awaitWrite(command);
        if (reply == null) {
            return false;
        }
        session.writeStarted();
        Write<?> step;
        try {
            step = write.step(System.currentTimeMillis());
        }
        catch (CommandException | io.keystonelight.store.WriteRejectedException ex) {
            reply.completed(null, ex);
            return true;
        }
        catch (RuntimeException ex) {
            log.error("A request failed unexpectedly: {}", command, ex);
            reply.completed(null, ex);
            return true;
        }
        this.store.submit(step, reply);
        return true;
    }

    public ClientPause pause() {
        return this.pause;
    }

    /** Requests of {@code kind} run since start. */
    public long commandsProcessed(Command.Kind kind) {
        return this.commandsByKind[kind.ordinal()].sum();
    }

    /** Requests run since start. */
    public long commandsProcessed() {
        long total = 0;
        for (LongAdder count : this.commandsByKind) {
            total += count.sum();
        }
        return total;
    }

    /** Requests answered with an error since start. */
    public long commandsFailed() {
        return this.failures.sum();
    }

    void failed() {
        this.failures.increment();
    }

    public boolean passwordRequired() {
        return this.passwordCheck.required();
    }

    /** Runs one command now; called by the session once the command's turn has come. */
    CompletableFuture<Object> run(Session session, Command command) {
        try {
            if (!session.isAuthenticated() && this.passwordCheck.required() && !command.allowedBeforeAuthentication()) {
                return CompletableFuture.failedFuture(new CommandException("NOAUTH",
                        "Authentication required.", "authentication required: send auth <password> first"));
            }
            if (session.inSubscribedMode() && !command.allowedWhileSubscribed()) {
                String refusal = "Can't execute '" + command.commandName() + "': only (P|S)SUBSCRIBE / "
                        + "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
                if (command instanceof TransactionCommand.Exec || command instanceof Transaction.Aborted) {
                    return this.transactions.run(session, new Transaction.Aborted(refusal));
                }
                return CompletableFuture.failedFuture(new CommandException("ERR", refusal));
            }
            return dispatch(session, command);
        }
        catch (CommandException | io.keystonelight.store.WriteRejectedException ex) {
            return CompletableFuture.failedFuture(ex);
        }
        catch (RuntimeException ex) {
            log.error("A request failed unexpectedly: {}", command, ex);
            return CompletableFuture.failedFuture(ex);
        }
    }

    private CompletableFuture<Object> dispatch(Session session, Command command) {
        if (command instanceof Command.Get get) {
            CompletableFuture<Void> barrier = this.store.readBarrier();
            if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
                return CompletableFuture.completedFuture(valueOrNull(this.store.get(get.key())));
            }
            return barrier.thenApply(ignored -> valueOrNull(this.store.get(get.key())));
        }
        if (command instanceof Command.Set set) {
            return this.store.submit(new Write.Put(set.key(), set.value())).thenApply(result -> OK);
        }
        if (command instanceof Command.Delete delete) {
            return this.store.submit(new Write.Delete(delete.keys())).thenApply(count -> (Object) count);
        }
        if (command instanceof TransactionCommand || command instanceof Transaction.Aborted) {
            return this.transactions.run(session, command);
        }
        if (command instanceof Command.Ping ping) {
            if (session.inSubscribedMode()) {
                // A subscribed connection's PING is answered in the form of a message, as Redis does.
                return CompletableFuture.completedFuture(List.of("pong".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        ping.message() == null ? new byte[0] : ping.message()));
            }
            return ping.message() == null ? CompletableFuture.completedFuture("PONG")
                    : CompletableFuture.completedFuture(ping.message());
        }
        if (command instanceof Command.Quit) {
            return DONE_OK;
        }
        if (command instanceof Command.Auth auth) {
            return authenticate(session, auth);
        }
        if (command instanceof Command.Compact) {
            return CompletableFuture.supplyAsync(this::compact, this.slowCommands);
        }
        if (command instanceof Command.CompactStatus) {
            return CompletableFuture.completedFuture(this.compactions.status());
        }
        if (command instanceof Command.Invalid invalid) {
            return CompletableFuture.failedFuture(new CommandException(invalid.error()));
        }
        for (CommandFamily family : this.families) {
            if (family.handles(command)) {
                return family.execute(session, command);
            }
        }
        throw new CommandException("no handler for " + command.getClass().getSimpleName());
    }

    /** A missing value as a result: a marker rather than {@code null}, which futures cannot tell from "no result". */
    public static final Object NONE = new Object() {

        @Override
        public String toString() {
            return "(none)";
        }
    };

    /** A null array ({@code *-1} in RESP2): what Redis answers where an array is missing. */
    public static final Object NULL_ARRAY = new Object() {

        @Override
        public String toString() {
            return "(null array)";
        }
    };

    private static Object valueOrNull(byte[] value) {
        return value == null ? NONE : value;
    }

    private CompletableFuture<Object> authenticate(Session session, Command.Auth auth) {
        if (!this.passwordCheck.required()) {
            return CompletableFuture.failedFuture(new CommandException("ERR", "AUTH <password> called without any "
                    + "password configured for the default user. Are you sure your configuration is correct?",
                    "no password is set on this server (keystonelight.server.password), so auth is not needed"));
        }
        if (auth.user() != null && !auth.user().equals("default")) {
            return CompletableFuture.failedFuture(new CommandException("WRONGPASS",
                    "invalid username-password pair or user is disabled."));
        }
        if (!this.passwordCheck.matches(auth.password())) {
            return CompletableFuture.failedFuture(new CommandException("WRONGPASS",
                    "invalid username-password pair or user is disabled.", "invalid password"));
        }
        session.authenticated();
        return DONE_OK;
    }

    /** Compacts on the calling thread, for every way a compaction is asked for. */
    public CompactionResult compact() {
        try {
            CompactionResult result = this.compactions.compact();
            log.info("A client's compact request {}; writes waited at most {} ms", CompactionHistory.summary(result),
                    result.longestWriteStall().toMillis());
            return result;
        }
        catch (IOException | DataFileException ex) {
            String failure = CompactionHistory.failure(ex);
            log.error("Compaction requested by a client failed: {}", failure);
            throw new CompletionException(new CommandException(failure));
        }
    }
}
