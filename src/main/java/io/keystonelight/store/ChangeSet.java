package io.keystonelight.store;

import java.util.Arrays;

/**
 * The keys a group of writes changed, each with its last value and its last deadline, in the
 * order first changed: one open-addressing table (linear probing, no removal) over entries held
 * in parallel arrays. The committer reuses it for every group, so a change makes no object of its
 * own: a map from {@link ByteKey} made a key object and a map entry for the value and another
 * pair for the deadline, about 96 bytes per SET, all kept until the group was durable.
 *
 * <p>The caller's key arrays are kept, not copied: a write's key is its own. Used by one thread.
 */
final class ChangeSet {

    /** Entries held between groups; a larger group's arrays are let go once it is over. */
    private static final int KEPT_ENTRIES = 1024;

    private static final int INITIAL_ENTRIES = 16;

    private byte[][] keys;

    private int[] hashes;

    /** The last value of each entry, or {@code null} where the group changed only its deadline. */
    private Object[] values;

    private long[] deadlines;

    private boolean[] deadlineChanged;

    /** Where each entry sits in {@link #index}, so that clearing touches only the slots in use. */
    private int[] slotOf;

    /** 0 for an empty slot, else an entry's number plus one; at most half full. */
    private int[] index;

    private int size;

    private final long seed = java.util.concurrent.ThreadLocalRandom.current().nextLong();

    ChangeSet() {
        allocate(INITIAL_ENTRIES);
    }

    private void allocate(int entries) {
        this.keys = new byte[entries][];
        this.hashes = new int[entries];
        this.values = new Object[entries];
        this.deadlines = new long[entries];
        this.deadlineChanged = new boolean[entries];
        this.slotOf = new int[entries];
        this.index = new int[entries * 2];
    }

    /** Keys changed in any way. */
    int size() {
        return this.size;
    }

    byte[] key(int entry) {
        return this.keys[entry];
    }

    /** The entry's last value ({@code byte[]}, a collection or a deleted mark), or {@code null}. */
    Object value(int entry) {
        return this.values[entry];
    }

    boolean deadlineChanged(int entry) {
        return this.deadlineChanged[entry];
    }

    long deadline(int entry) {
        return this.deadlines[entry];
    }

    /** The entry of {@code key}, or -1 if the group has not changed it. */
    int find(byte[] key) {
        if (this.size == 0) {
            return -1;
        }
        int hash = hash(key);
        int mask = this.index.length - 1;
        for (int i = hash & mask;; i = (i + 1) & mask) {
            int at = this.index[i] - 1;
            if (at < 0) {
                return -1;
            }
            if (this.hashes[at] == hash && Arrays.equals(this.keys[at], key)) {
                return at;
            }
        }
    }

    /** The last value the group gave {@code key}, or {@code null} if it gave none. */
    Object valueOf(byte[] key) {
        int at = find(key);
        return at < 0 ? null : this.values[at];
    }

    void setValue(byte[] key, Object value) {
        // Found first: a new entry may grow the arrays, and this.values[...] would store into the old one.
        int entry = entryOf(key);
        this.values[entry] = value;
    }

    void setValue(int entry, Object value) {
        this.values[entry] = value;
    }

    void setDeadline(byte[] key, long deadline) {
        setDeadline(entryOf(key), deadline);
    }

    void setDeadline(int entry, long deadline) {
        this.deadlines[entry] = deadline;
        this.deadlineChanged[entry] = true;
    }

    /** The entry of {@code key}, added at the end of the order if the group had not changed it. */
    private int entryOf(byte[] key) {
        int hash = hash(key);
        int mask = this.index.length - 1;
        int i = hash & mask;
        while (true) {
            int at = this.index[i] - 1;
            if (at < 0) {
                break;
            }
            if (this.hashes[at] == hash && Arrays.equals(this.keys[at], key)) {
                return at;
            }
            i = (i + 1) & mask;
        }
        if (this.size == this.keys.length) {
            grow();
            return entryOf(key);
        }
        int entry = this.size++;
        this.keys[entry] = key;
        this.hashes[entry] = hash;
        this.slotOf[entry] = i;
        this.index[i] = entry + 1;
        return entry;
    }

    private void grow() {
        int entries = this.keys.length * 2;
        this.keys = Arrays.copyOf(this.keys, entries);
        this.hashes = Arrays.copyOf(this.hashes, entries);
        this.values = Arrays.copyOf(this.values, entries);
        this.deadlines = Arrays.copyOf(this.deadlines, entries);
        this.deadlineChanged = Arrays.copyOf(this.deadlineChanged, entries);
        this.slotOf = Arrays.copyOf(this.slotOf, entries);
        this.index = new int[entries * 2];
        int mask = this.index.length - 1;
        for (int entry = 0; entry < this.size; entry++) {
            int i = this.hashes[entry] & mask;
            while (this.index[i] != 0) {
                i = (i + 1) & mask;
            }
            this.index[i] = entry + 1;
            this.slotOf[entry] = i;
        }
    }

    /** Forgets every change, and lets go of the keys and values so that they can be collected. */
    void clear() {
        if (this.keys.length > KEPT_ENTRIES) {
            allocate(INITIAL_ENTRIES);
            this.size = 0;
            return;
        }
        for (int entry = 0; entry < this.size; entry++) {
            this.index[this.slotOf[entry]] = 0;
            this.keys[entry] = null;
            this.values[entry] = null;
            this.deadlineChanged[entry] = false;
        }
        this.size = 0;
    }

    private int hash(byte[] key) {
        return (int) (KeyTable.hash(this.seed, key, 0, key.length) >>> 32);
    }
}
