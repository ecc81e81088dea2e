package io.keystonelight.command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;

import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Watches;
import io.keystonelight.store.Write;

/**
 * Runs MULTI, EXEC, DISCARD, WATCH and UNWATCH. EXEC hands every queued command that touches the
 * keys to the store as one {@link Write.Multi}: applied by the committer with no other write in
 * between, its records one {@code |tx|} record behind one fsync, so a crash keeps all of the
 * transaction or none. The queued commands that do not touch the keys (PING, ECHO, INFO, ...) run
 * on the event loop once it is done, their replies in their place.
 */
final class Transactions {

    private final KeyValueStore store;

    /** Runs a queued command that is not a step of the write, as it would run on its own. */
    private final BiFunction<Session, Command, CompletableFuture<Object>> runAlone;

    Transactions(KeyValueStore store, BiFunction<Session, Command, CompletableFuture<Object>> runAlone) {
        this.store = store;
        this.runAlone = runAlone;
    }

    CompletableFuture<Object> run(Session session, Command command) {
        Transaction transaction = session.transaction();
        if (command instanceof TransactionCommand.Watch watch) {
            transaction.watch(this.store.watches(), watch.keys(), System.currentTimeMillis());
            return CompletableFuture.completedFuture(CommandExecutor.OK);
        }
        if (command instanceof TransactionCommand.Exec exec) {
            return exec(session, exec.queued(), transaction.takeWatcher());
        }
        if (command instanceof Transaction.Aborted aborted) {
            transaction.unwatch();
            return CompletableFuture.failedFuture(new CommandException("EXECABORT", aborted.reason() == null
                    ? "Transaction discarded because of previous errors."
                    : "Transaction discarded because of: " + aborted.reason()));
        }
        if (command instanceof TransactionCommand.Discard || command instanceof TransactionCommand.Unwatch) {
            transaction.unwatch();
        }
        return CompletableFuture.completedFuture(CommandExecutor.OK);
    }

    private CompletableFuture<Object> exec(Session session, List<Command> queued, Watches.Watcher watched) {
        long now = System.currentTimeMillis();
        List<Write<?>> steps = new ArrayList<>();
        for (Command command : queued) {
            if (command instanceof Transactional step) {
                steps.add(step.step(now));
            }
        }
        boolean needsTheStore = !steps.isEmpty() || watched != null;
        if (needsTheStore && this.store.replicated()) {
            // The replicated log has no entry for a transaction yet, and a WATCH guard would have to be
            // decided alike on every node: refused whole rather than run half or diverge.
            if (watched != null) {
                watched.release();
            }
            return CompletableFuture.failedFuture(new CommandException("ERR", "EXEC of commands that touch keys, "
                    + "or after WATCH, is not supported in cluster mode yet: send the commands without MULTI"));
        }
        CompletableFuture<List<Object>> results = needsTheStore ? this.store.submit(new Write.Multi(steps, watched))
                : CompletableFuture.completedFuture(List.of());
        return results.whenComplete((ignored, failure) -> {
            if (watched != null) {
                watched.release();
            }
        }).thenComposeAsync(stepResults -> {
            if (stepResults == null) {
                return CompletableFuture.completedFuture(CommandExecutor.NULL_ARRAY);
            }
            return replies(session, queued, stepResults);
        }, session.eventLoop());
    }

    private CompletableFuture<Object> replies(Session session, List<Command> queued, List<Object> stepResults) {
        List<CompletableFuture<Object>> replies = new ArrayList<>(queued.size());
        int step = 0;
        for (Command command : queued) {
            if (command instanceof Transactional transactional) {
                Object result = stepResults.get(step++);
                replies.add(CompletableFuture.completedFuture(result instanceof RuntimeException failure ? failure
                        : transactional.reply(result)));
            }
            else {
                replies.add(this.runAlone.apply(session, command).handle((result, failure) -> failure != null
                        ? unwrap(failure) : result));
            }
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<Object> answers = new ArrayList<>(replies.size());
            for (CompletableFuture<Object> reply : replies) {
                Object answer = reply.join();
                // A reply worded as a status line on its own stays one inside EXEC's array.
                answers.add(answer instanceof String status ? new StatusReply(status) : answer);
            }
            return answers;
        });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
