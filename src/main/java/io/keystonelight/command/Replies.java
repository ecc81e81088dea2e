package io.keystonelight.command;

import java.util.concurrent.CompletableFuture;

import io.keystonelight.store.KeyTable;

/**
 * Where the executor hands the replies of one connection, in request order. A reply that is there
 * when its command runs is handed as it is, with no future around it; only a reply that comes
 * later (a write waiting for its fsync, a blocking pop, a compaction) carries one.
 */
public interface Replies {

    /** The reply to {@code command} is {@code result}, there now. */
    void ready(Command command, Object result);

    /** {@code command} failed now, for {@code failure}. */
    void failed(Command command, Throwable failure);

    /** The reply to {@code command} comes when {@code result} completes. */
    void later(Command command, CompletableFuture<Object> result);

    /**
     * A writer of a string value as the reply to {@code command}, straight from where the store
     * keeps it into what the connection sends, or {@code null} when that cannot be done now (an
     * earlier reply still waits, so this one must wait too, and keep a copy). Once a writer is
     * returned, the reply is either written through it or handed with {@link #ready} or
     * {@link #failed} (a missing key, say) before anything else is.
     */
    default KeyTable.ValueReader valueNow(Command command) {
        return null;
    }

    /**
     * A place for the reply to {@code command}, a write the executor submits itself, that the
     * write's completion fills: no future between the write and its reply. Once it is filled,
     * {@link Session#writeEnded} must be told. {@code null} when there is none to offer, and the
     * reply goes by {@link #later} instead.
     */
    default io.keystonelight.store.WriteCompletion awaitWrite(Command command) {
        return null;
    }

    /** Hands a reply whose future may already be done: one that is, as it is; the others, to wait for. */
    default void of(Command command, CompletableFuture<Object> result) {
        if (!result.isDone()) {
            later(command, result);
            return;
        }
        Object value;
        try {
            value = result.getNow(null);
        }
        catch (RuntimeException ex) {
            failed(command, ex.getCause() != null ? ex.getCause() : ex);
            return;
        }
        ready(command, value);
    }
}
