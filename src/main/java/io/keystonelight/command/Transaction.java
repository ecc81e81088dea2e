package io.keystonelight.command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import io.keystonelight.store.Watches;

/**
 * One connection's MULTI state and WATCHed keys, as Redis 7.0 keeps them. Which commands are
 * queued is decided as they arrive, in order, not when they run: a pipelined MULTI ... EXEC may
 * arrive while an earlier write of the connection is still in flight. Used on the connection's
 * event loop only.
 */
public final class Transaction {

    /** Errors Redis gives before a command is queued, which discard the transaction at EXEC. */
    private static final Pattern QUEUE_TIME_ERROR = Pattern.compile(
            "unknown command.*|unknown subcommand.*|wrong number of arguments.*|'[^']*' is not supported.*");

    private static final Object QUEUED = "QUEUED";

    /** {@code null} outside MULTI. */
    private List<Command> queued;

    private boolean failed;

    private Watches.Watcher watcher;

    /**
     * In MULTI, the reply to {@code command} at once: queued, or refused before it was queued;
     * {@code null} when it runs now (outside MULTI, and EXEC, DISCARD, MULTI, WATCH, QUIT inside).
     */
    CompletableFuture<Object> queue(Command command) {
        if (this.queued == null || command instanceof TransactionCommand.Exec || command instanceof Aborted
                || command instanceof TransactionCommand.Discard || command instanceof TransactionCommand.Multi
                || command instanceof TransactionCommand.Watch || command instanceof Command.Quit) {
            return null;
        }
        if (command instanceof Command.Invalid invalid) {
            if (invalid.closesConnection()) {
                return null;
            }
            if (QUEUE_TIME_ERROR.matcher(invalid.error()).matches()) {
                this.failed = true;
                return CompletableFuture.failedFuture(new CommandException(invalid.error()));
            }
        }
        this.queued.add(command);
        return CompletableFuture.completedFuture(QUEUED);
    }

    /** Commands queued since MULTI, or -1 outside MULTI (CLIENT LIST's {@code multi}). */
    public int queuedCount() {
        return this.queued == null ? -1 : this.queued.size();
    }

    /** What runs in place of a transaction command that arrived: EXEC with its queue, or the error Redis gives. */
    Command bind(Command command) {
        if (command instanceof TransactionCommand.Multi) {
            if (this.queued != null) {
                return new Command.Invalid("MULTI calls can not be nested");
            }
            this.queued = new ArrayList<>();
            this.failed = false;
            return command;
        }
        if (command instanceof Aborted) {
            this.queued = null;
            this.failed = false;
            return command;
        }
        if (command instanceof TransactionCommand.Exec || command instanceof TransactionCommand.Discard) {
            if (this.queued == null) {
                return new Command.Invalid((command instanceof TransactionCommand.Exec ? "EXEC" : "DISCARD")
                        + " without MULTI");
            }
            List<Command> commands = this.queued;
            boolean discarded = this.failed;
            this.queued = null;
            this.failed = false;
            if (command instanceof TransactionCommand.Discard) {
                return command;
            }
            return discarded ? new Aborted(null) : new TransactionCommand.Exec(List.copyOf(commands));
        }
        if (command instanceof TransactionCommand.Watch && this.queued != null) {
            return new Command.Invalid("WATCH inside MULTI is not allowed");
        }
        return command;
    }

    /**
     * EXEC after a command was refused while queuing, or EXEC refused itself (its arity, say):
     * answered EXECABORT, the transaction ends and the keys are unwatched, as Redis does.
     *
     * @param reason why EXEC itself was refused, or {@code null} after a queuing error
     */
    public record Aborted(String reason) implements Command {

        @Override
        public String commandName() {
            return "exec";
        }
    }

    void watch(Watches watches, List<byte[]> keys, long now) {
        if (this.watcher == null) {
            this.watcher = watches.watcher();
        }
        for (byte[] key : keys) {
            this.watcher.watch(key, now);
        }
    }

    /** The keys watched so far, for the EXEC that runs now; the connection watches none afterwards. */
    Watches.Watcher takeWatcher() {
        Watches.Watcher taken = this.watcher;
        this.watcher = null;
        return taken == null || taken.isEmpty() ? null : taken;
    }

    void unwatch() {
        if (this.watcher != null) {
            this.watcher.release();
            this.watcher = null;
        }
    }

    /** The connection closed. */
    void close() {
        unwatch();
        this.queued = null;
    }
}
