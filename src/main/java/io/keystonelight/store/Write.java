package io.keystonelight.store;

import java.util.List;

/**
 * A change to the store, as either protocol asks for it. Writes are applied by the store's one
 * committing thread in the order they were submitted, each seeing the effect of those before it,
 * so a read-modify-write such as {@link Increment} needs no lock of its own. In cluster mode the
 * same writes travel through the replicated log and are applied the same way on every node.
 *
 * @param <R> what the write answers once it is durable
 */
public sealed interface Write<R> {

    /** When a {@link Put} applies. */
    enum Condition {
        ALWAYS, IF_ABSENT, IF_PRESENT
    }

    /**
     * Sets {@code key} to {@code value} if {@code condition} holds.
     * @param returnPrevious whether the result carries the value the key had before
     */
    record Put(byte[] key, byte[] value, Condition condition, boolean returnPrevious) implements Write<PutResult> {

        public Put(byte[] key, byte[] value) {
            this(key, value, Condition.ALWAYS, false);
        }
    }

    /**
     * @param applied whether the condition held and the value was set
     * @param previous the value before, when asked for and the key had one
     */
    record PutResult(boolean applied, byte[] previous) {

        /** Set, with no previous value asked for: the answer of nearly every SET, made once. */
        public static final PutResult APPLIED = new PutResult(true, null);

        public static final PutResult NOT_APPLIED = new PutResult(false, null);

        /** The result, shared when it carries no previous value. */
        public static PutResult of(boolean applied, byte[] previous) {
            if (previous == null) {
                return applied ? APPLIED : NOT_APPLIED;
            }
            return new PutResult(applied, previous);
        }
    }

    /** Deletes the keys that exist; answers how many did. */
    record Delete(List<byte[]> keys) implements Write<Integer> {
    }

    /** Deletes a key and answers the value it had, or {@code null}. */
    record GetAndDelete(byte[] key) implements Write<byte[]> {
    }

    /**
     * Sets several keys at once; with {@code onlyIfNoneExists}, none unless none of them exists.
     * Answers whether the keys were set.
     */
    record PutAll(List<byte[]> keys, List<byte[]> values, boolean onlyIfNoneExists) implements Write<Boolean> {
    }

    /**
     * Adds {@code delta} to the decimal integer that {@code key} holds (0 if it has no value) and
     * answers the new value; refused with {@link WriteRejectedException} if the value is not an
     * integer or the sum overflows.
     */
    record Increment(byte[] key, long delta) implements Write<Long> {
    }

    /** Appends to the value of {@code key} (an empty value if none) and answers the new length. */
    record Append(byte[] key, byte[] suffix) implements Write<Long> {
    }

    /** Deletes every key; answers how many there were. */
    record Clear() implements Write<Long> {
    }

    /**
     * A command of the other types, of expiry and of the rest of the keyspace: it works out its
     * changes through {@link Mutations}, at {@code now} (Unix milliseconds fixed by the node that
     * accepted it, so every replica decides expiry alike) and with {@code seed} for what it picks
     * at random. Answers what the command replies.
     *
     * @param args the request, its name first
     */
    record Exec(Operation operation, java.util.List<byte[]> args, long now, long seed) implements Write<Object> {
    }

    /** What an {@link Exec} does; found again by its {@link #name()} on a replica. */
    interface Operation {

        /** Its name in the replicated log: never reused for another operation. */
        String name();

        Object apply(Mutations keys, java.util.List<byte[]> args);
    }

    /**
     * The commands of one transaction (EXEC), applied in turn against the same changes with no other
     * write in between, so that their records make one {@code |tx|} record and share one fsync; each
     * sees the changes of those before it. Answers each step's result, or the exception it failed
     * with, in order; or {@code null}, running none of them, when a key {@code watched} changed.
     *
     * @param watched the connection's watched keys, or {@code null}
     */
    record Multi(java.util.List<Write<?>> steps, Watches.Watcher watched) implements Write<java.util.List<Object>> {
    }

    /** Deletes those of {@code keys} that are past their deadline at {@code now}; answers how many. */
    record Expire(java.util.List<byte[]> keys, long now) implements Write<Integer> {
    }

    /** {@code write}, run at {@code now}: how a replica learns the time the leader ran a write at. */
    record Timed<R>(Write<R> write, long now) implements Write<R> {
    }
}
