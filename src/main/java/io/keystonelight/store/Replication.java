package io.keystonelight.store;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Where the store sends its writes and read barriers when it is one copy of a replicated state
 * (cluster mode): the writes are ordered by a consensus log and come back to every copy through
 * {@link KeyValueStore#applyReplicated(Write)}.
 */
public interface Replication {

    /**
     * Replicates {@code write}; the future completes with what it answered, once a majority has
     * it durable; or exceptionally with {@link WriteRefusedException} (not applied anywhere) or
     * another exception that says its outcome is unknown.
     */
    <R> CompletableFuture<R> submit(Write<R> write);

    /** Completes once this copy has applied every write acknowledged before the call. */
    CompletableFuture<Void> readBarrier();

    /**
     * Whether this copy removes keys past their deadline (through the log, as any write): only the
     * leader does, as only a Redis primary does; the others treat such keys as missing.
     */
    default boolean expiresKeys() {
        return false;
    }

    /** Takes a snapshot of this copy and drops the log behind it: what compaction is in cluster mode. */
    CompactionResult compact() throws IOException;
}
