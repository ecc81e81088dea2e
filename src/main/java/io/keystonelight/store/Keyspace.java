package io.keystonelight.store;

import java.util.function.Consumer;

/**
 * The keys as a command sees them: every type, with keys past their deadline already gone. Reads
 * get one over the published table; writes get {@link Mutations}, the same view plus the changes
 * of their group so far.
 */
public interface Keyspace {

    /** The time the command runs at, Unix milliseconds: fixed once per command, so that replicas agree. */
    long now();

    /**
     * What {@code key} holds: a {@code byte[]} string, a {@link HashValue}, {@link ListValue},
     * {@link SetValue} or {@link SortedSetValue}; {@code null} if there is no such key or it is
     * past its deadline. A collection returned here is never changed afterwards: do not change it.
     */
    Object value(byte[] key);

    /** The key's deadline in Unix milliseconds, or 0 when it has none (or does not exist). */
    long deadline(byte[] key);

    /** Live keys. */
    long size();

    /** Calls {@code action} with every live key. */
    void forEachKey(Consumer<byte[]> action);

    /** The value of {@code key} if it holds a {@code type}, {@code null} if none; WRONGTYPE otherwise. */
    @SuppressWarnings("unchecked")
    default <T> T get(byte[] key, Class<T> type) {
        Object value = value(key);
        if (value == null) {
            return null;
        }
        if (!type.isInstance(value)) {
            throw new WrongTypeException(DataType.of(value));
        }
        return (T) value;
    }

    default byte[] string(byte[] key) {
        return get(key, byte[].class);
    }

    default DataType type(byte[] key) {
        Object value = value(key);
        return value == null ? null : DataType.of(value);
    }
}
