package io.keystonelight.command.data;

import java.util.List;

import io.keystonelight.store.Keyspace;
import io.keystonelight.store.Mutations;
import io.keystonelight.store.Write;

/**
 * One command of Redis's data types, expiry and keyspace: its name, its arity and key positions
 * as Redis's command table declares them, whether it writes, and what it does. A read runs on the
 * connection's event loop against the published keys; a write runs on the store's committer
 * against {@link Mutations}, and its reply leaves once its records are durable.
 *
 * @param name lower case
 * @param arity as Redis: {@code n} exactly n arguments (the name included), {@code -n} at least n
 * @param firstKey position of the first key, 0 if none
 * @param lastKey position of the last key, negative counting from the end
 * @param step between keys
 */
public record DataCommand(String name, int arity, int firstKey, int lastKey, int step, boolean write, Body body)
        implements Write.Operation {

    /** What the command does; a write's {@code keys} is a {@link Mutations}. Returns the reply. */
    @FunctionalInterface
    public interface Body {

        Object run(Keyspace keys, List<byte[]> args);
    }

    @Override
    public Object apply(Mutations keys, List<byte[]> args) {
        return this.body.run(keys, args);
    }

    /** Whether {@code argc} arguments (the name included) fit the arity. */
    public boolean arityFits(int argc) {
        return this.arity >= 0 ? argc == this.arity : argc >= -this.arity;
    }

    /** Positions of the keys in a request of {@code argc} arguments. */
    public int lastKeyIndex(int argc) {
        return this.lastKey < 0 ? argc + this.lastKey : this.lastKey;
    }
}
