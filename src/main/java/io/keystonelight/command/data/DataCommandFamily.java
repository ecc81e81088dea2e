package io.keystonelight.command.data;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
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
        if (data.write()) {
            return this.store.submit(new Write.Exec(data, request.args(), System.currentTimeMillis(),
                    this.seeds.get().nextLong()));
        }
        CompletableFuture<Void> barrier = this.store.readBarrier();
        if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(data.body().run(this.store.view(), request.args()));
        }
        return barrier.thenApply(ignored -> data.body().run(this.store.view(), request.args()));
    }
}
