package io.keystonelight.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Everything the store holds: strings in the {@link EntryTable} (bytes in an arena, no object per
 * entry), the other types as objects, and the deadlines of the keys that have one. A key is in
 * the strings or in the objects, never both. Any number of threads read; only the store's
 * committer (or the replay before it) changes them, and a published collection is never changed
 * in place, so a reader sees each key's old or new state, whole.
 */
final class StoreTables {

    final EntryTable strings = new EntryTable();

    final ConcurrentHashMap<ByteKey, Object> objects = new ConcurrentHashMap<>();

    /** Keys removed because their deadline passed, since start (Redis's {@code expired_keys}). */
    final java.util.concurrent.atomic.LongAdder expiredKeys = new java.util.concurrent.atomic.LongAdder();

    /** Unix milliseconds; only keys with a deadline are here. */
    final ConcurrentHashMap<ByteKey, Long> deadlines = new ConcurrentHashMap<>();

    final Watches watches = new Watches(this);

    final BlockedKeys blocked = new BlockedKeys();

    /** Where keyspace events go; {@code null} when nobody asked for them. */
    volatile KeyspaceEvents events;

    /** What the key holds, deadline or not; {@code null} if nothing. */
    Object rawValue(byte[] key) {
        byte[] string = this.strings.get(key);
        if (string != null || this.objects.isEmpty()) {
            return string;
        }
        return this.objects.get(new ByteKey(key));
    }

    long deadline(byte[] key) {
        if (this.deadlines.isEmpty()) {
            return 0;
        }
        Long deadline = this.deadlines.get(new ByteKey(key));
        return deadline == null ? 0 : deadline;
    }

    static boolean expired(long deadline, long now) {
        return deadline != 0 && deadline <= now;
    }

    /** What the key holds at {@code now}: {@code null} if nothing or past its deadline. */
    Object value(byte[] key, long now) {
        Object value = rawValue(key);
        if (value != null && expired(deadline(key), now)) {
            return null;
        }
        return value;
    }

    /** Keys past their deadline at {@code now} that are still here. Linear in the keys with deadlines. */
    long expiredCount(long now) {
        long count = 0;
        for (Long deadline : this.deadlines.values()) {
            if (deadline <= now) {
                count++;
            }
        }
        return count;
    }

    long size(long now) {
        return this.strings.size() + this.objects.size() - expiredCount(now);
    }

    /** Live keys at {@code now} that have a deadline. */
    long withDeadline(long now) {
        return this.deadlines.size() - expiredCount(now);
    }

    void forEachKey(long now, Consumer<byte[]> action) {
        Consumer<byte[]> live = this.deadlines.isEmpty() ? action : key -> {
            if (!expired(deadline(key), now)) {
                action.accept(key);
            }
        };
        this.strings.forEachKeyWhileReading(live);
        for (Map.Entry<ByteKey, Object> entry : this.objects.entrySet()) {
            live.accept(entry.getKey().bytes());
        }
    }

    /** The published state, as a command's read sees it at {@code now}. */
    Keyspace view(long now) {
        return new Keyspace() {

            @Override
            public long now() {
                return now;
            }

            @Override
            public Object value(byte[] key) {
                return StoreTables.this.value(key, now);
            }

            @Override
            public long deadline(byte[] key) {
                return value(key) == null ? 0 : StoreTables.this.deadline(key);
            }

            @Override
            public long size() {
                return StoreTables.this.size(now);
            }

            @Override
            public void forEachKey(Consumer<byte[]> action) {
                StoreTables.this.forEachKey(now, action);
            }
        };
    }
}
