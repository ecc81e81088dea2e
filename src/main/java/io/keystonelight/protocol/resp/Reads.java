package io.keystonelight.protocol.resp;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.store.KeyValueStore;

/** Reads after the store's read barrier: at once on one node, once the barrier passed in a cluster. */
final class Reads {

    private Reads() {
    }

    static CompletableFuture<Object> read(KeyValueStore store, Supplier<Object> read) {
        CompletableFuture<Void> barrier = store.readBarrier();
        if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(read.get());
        }
        return barrier.thenApply(ignored -> read.get());
    }

    static Object valueOrNone(byte[] value) {
        return value == null ? CommandExecutor.NONE : value;
    }
}
