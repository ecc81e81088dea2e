package io.keystonelight.store;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The keys some connection WATCHes, each with a version that the committer moves on whenever it
 * publishes a change to the key (a write, an expiry, a FLUSHDB). A transaction's guard compares
 * the versions it saw at WATCH with the versions when EXEC runs on the committer.
 *
 * <p>The committer publishes a change and then moves the version; WATCH registers the key and
 * then reads the version and the key. So either WATCH reads the changed key, or the version moves
 * after WATCH registered it: a change is never missed, at worst one counts that WATCH saw already,
 * and EXEC is aborted without need, which Redis allows too. When nobody watches, the committer
 * only asks an empty map.
 */
public final class Watches {

    private final ConcurrentHashMap<ByteKey, Entry> byKey = new ConcurrentHashMap<>();

    private final StoreTables tables;

    Watches(StoreTables tables) {
        this.tables = tables;
    }

    private static final class Entry {

        final AtomicLong version = new AtomicLong();

        /** Changed only inside the map's compute, which locks the key. */
        int watchers;
    }

    /** The committer changed {@code key}. */
    void touched(byte[] key) {
        if (this.byKey.isEmpty()) {
            return;
        }
        Entry entry = this.byKey.get(new ByteKey(key));
        if (entry != null) {
            entry.version.incrementAndGet();
        }
    }

    /** The committer is about to empty the tables: every watched key that is there changes, as in Redis. */
    void flushing() {
        if (this.byKey.isEmpty()) {
            return;
        }
        this.byKey.forEach((key, entry) -> {
            if (this.tables.rawValue(key.bytes()) != null) {
                entry.version.incrementAndGet();
            }
        });
    }

    /** A connection's watched keys; used on its event loop, and read by the committer at EXEC. */
    public Watcher watcher() {
        return new Watcher();
    }

    public final class Watcher {

        private final Map<ByteKey, Seen> seen = new HashMap<>();

        private Watcher() {
        }

        /** Starts watching {@code key} as it is now; watching it again changes nothing, as in Redis. */
        public void watch(byte[] key, long now) {
            ByteKey k = new ByteKey(key);
            if (this.seen.containsKey(k)) {
                return;
            }
            Entry entry = Watches.this.byKey.compute(k, (ignored, existing) -> {
                Entry e = existing == null ? new Entry() : existing;
                e.watchers++;
                return e;
            });
            long version = entry.version.get();
            boolean live = Watches.this.tables.value(key, now) != null;
            this.seen.put(k, new Seen(entry, version, live));
        }

        /** Stops watching every key. */
        public void release() {
            for (Map.Entry<ByteKey, Seen> watched : this.seen.entrySet()) {
                Watches.this.byKey.computeIfPresent(watched.getKey(), (ignored, entry) -> --entry.watchers == 0 ? null
                        : entry);
            }
            this.seen.clear();
        }

        public boolean isEmpty() {
            return this.seen.isEmpty();
        }

        /**
         * On the committer, before a transaction's first command: whether no watched key changed since
         * WATCH, counting the changes of the group not yet published, and a key that has expired since.
         */
        boolean unchanged(Keyspace keys, Predicate<byte[]> changedInGroup) {
            for (Map.Entry<ByteKey, Seen> watched : this.seen.entrySet()) {
                Seen seen = watched.getValue();
                byte[] key = watched.getKey().bytes();
                if (seen.entry.version.get() != seen.version || changedInGroup.test(key)
                        || seen.live && keys.value(key) == null) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Seen(Entry entry, long version, boolean live) {
    }
}
