package io.keystonelight.store;

import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The map of live entries, keys and values as bytes, held in a {@link KeyTable} (no object per
 * entry). Any number of threads may read while one thread at a time (the store's committer)
 * changes it. The arrays passed in are copied: callers may reuse them.
 */
final class EntryTable {

    private final KeyTable entries = new KeyTable();

    byte[] get(byte[] key) {
        return this.entries.get(key);
    }

    /** Hands the value of {@code key} to {@code reader} where it lies; see {@link KeyTable#readValue}. */
    boolean readValue(byte[] key, int length, KeyTable.ValueReader reader) {
        return this.entries.readValue(key, 0, length, reader);
    }

    boolean containsKey(byte[] key) {
        return this.entries.containsKey(key);
    }

    byte[] put(byte[] key, byte[] value) {
        return this.entries.put(key, value);
    }

    byte[] remove(byte[] key) {
        return this.entries.remove(key);
    }

    /** Sets the key to the value from where they lie; see {@link KeyTable#set(byte[], int, int, byte[], int, int, KeyTable.ValueReader)}. */
    int set(byte[] k, int ko, int kl, byte[] v, int vo, int vl, KeyTable.ValueReader previous) {
        return this.entries.set(k, ko, kl, v, vo, vl, previous);
    }

    /** Removes the key from where it lies; see {@link KeyTable#delete(byte[], int, int, KeyTable.ValueReader)}. */
    int delete(byte[] k, int ko, int kl, KeyTable.ValueReader previous) {
        return this.entries.delete(k, ko, kl, previous);
    }

    /** Removes every entry at once, whatever their number; open snapshots still yield theirs. */
    void clear() {
        this.entries.clear();
    }

    int size() {
        return this.entries.size();
    }

    /** One step of a full iteration; see {@link KeyTable#scan}. */
    long scan(long cursor, int count, Consumer<byte[]> keys) {
        return this.entries.scan(cursor, count, keys);
    }

    /** See {@link KeyTable#touchSlots}. */
    void touchSlots(byte[] buf, int[] offsets, int[] lengths, int count) {
        this.entries.touchSlots(buf, offsets, lengths, count);
    }

    /** Sizes the index for about {@code keys} entries ahead of a replay. */
    void expect(long keys) {
        this.entries.ensureCapacity(keys);
    }

    /** Calls {@code action} for every entry (copies); only from the thread that changes the table. */
    void forEach(BiConsumer<byte[], byte[]> action) {
        try (KeyTable.Snapshot snapshot = this.entries.beginSnapshot()) {
            while (snapshot.next(4096, (b, ko, kl, vo, vl) -> action.accept(Arrays.copyOfRange(b, ko, ko + kl),
                    Arrays.copyOfRange(b, vo, vo + vl)))) {
                // next chunk
            }
        }
    }

    /** Calls {@code action} with every key, each once; writers wait only while the keys are copied. */
    void forEachKeyWhileReading(Consumer<byte[]> action) {
        this.entries.forEachKey(action);
    }

    /**
     * The entries as they are now, for a compaction to walk a chunk at a time while writes go on;
     * see {@link KeyTable#beginSnapshot()}. Only from the thread that changes the table, between
     * two changes.
     */
    KeyTable.Snapshot snapshot() {
        return this.entries.beginSnapshot();
    }
}
