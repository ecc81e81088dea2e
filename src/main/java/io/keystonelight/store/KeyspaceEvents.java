package io.keystonelight.store;

/**
 * Where the committer reports the keyspace events of writes it applied (Redis's keyspace
 * notifications): called on the committer once the write is durable, so it must not block.
 */
public interface KeyspaceEvents {

    /**
     * @param type Redis's class of the event: {@code g} generic, {@code $} string, {@code l} list,
     *             {@code s} set, {@code h} hash, {@code z} sorted set, {@code x} expired
     */
    void event(char type, String event, byte[] key);

    /** Whether events of {@code type} are wanted now: asked before any is collected. */
    boolean wants(char type);
}
