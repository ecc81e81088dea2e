package io.keystonelight.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * The store's map: keys and values as bytes, with no Java object per entry.
 *
 * <h2>Layout</h2>
 * Every entry is one record in an append-only <em>arena</em> of large {@code byte[]} segments:
 * {@code varint(keyLength << 1 | dead)}, {@code varint(valueLength)}, the key bytes, the value
 * bytes. An overwrite by a value of the same length writes the new value over the old one's bytes
 * (counters, fixed-size values: no dead bytes, nothing to reclaim), unless a snapshot is open;
 * any other overwrite appends a new record and sets the dead bit of the old one; a removal sets
 * the dead bit. The <em>index</em> is one {@code long[]} open-addressing table (linear probing,
 * backward-shift deletion): a slot holds the top 24 bits of the key's hash and the arena address
 * of its live record, so a probe compares keys only when 24 hash bits agree. About 28 bytes of
 * arena and 11 to 21 bytes of index per entry of a 10-byte key and a 16-byte value.
 *
 * <p>Dead records are reclaimed a bounded step at a time: while dead bytes exceed a quarter of
 * the live ones, each mutation moves the live records of at most {@value #EVACUATION_STEP_BYTES}
 * bytes of the segment with the most dead bytes to the arena's end; an emptied segment is freed.
 *
 * <h2>Threads</h2>
 * Any number of threads may read ({@link #get}, {@link #containsKey}, {@link #size},
 * {@link #scan}) while <b>one thread at a time</b> mutates ({@link #put}, {@link #remove},
 * {@link #clear}, {@link #beginSnapshot}); the locking is inside. Reads are optimistic
 * ({@link StampedLock}): they take no lock unless a mutation overlapped them, and then retry under
 * the read lock. A mutation holds the write lock for one index update and one arena append (or one
 * overwrite in place).
 *
 * <h2>Buffers</h2>
 * Every method copies what it keeps and what it returns: the caller may reuse the arrays it passes
 * as soon as the call returns, and owns the arrays it gets.
 *
 * <h2>Snapshots, for compaction</h2>
 * {@link #beginSnapshot()} marks the arena's end; {@link Snapshot#next} then walks the records up
 * to that mark in arena order, a chunk at a time, with no lock, while mutations go on. It yields
 * every entry that was live when the snapshot began and has not been written since: records never
 * move while a snapshot is open (reclaiming is suspended), no value is overwritten in place while
 * one is (a write only sets a dead bit), and the index's moves (resizes, backward shifts) do not concern the walk.
 * An entry written after the snapshot began may be yielded with its old value or skipped; the
 * caller carries such writes over itself (the data file keeps them aside).
 */
public final class KeyTable {

    /** Normal segments are at most this big (4 MiB); an address holds the offset in 22 bits. */
    static final int SEGMENT_SHIFT = 22;

    static final int MAX_SEGMENT = 1 << SEGMENT_SHIFT;

    static final int MIN_SEGMENT = 1 << 16;

    static final int EVACUATION_STEP_BYTES = 64 * 1024;

    private static final int ARRAY_SLACK = 64;

    private static final int ADDRESS_BITS = 40;

    private static final long ADDRESS_MASK = (1L << ADDRESS_BITS) - 1;

    private static final long TAG_MASK = ~ADDRESS_MASK;

    private static final int MAX_SEGMENTS = 1 << (ADDRESS_BITS - SEGMENT_SHIFT);

    private static final int OFFSET_MASK = MAX_SEGMENT - 1;

    private static final int MIN_CAPACITY = 16;

    private static final int MAX_CAPACITY = 1 << 30;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final StampedLock lock = new StampedLock();

    private final long seed = ThreadLocalRandom.current().nextLong();

    /** The index: 0 is an empty slot, else {@code hash & TAG_MASK | address + 1}. */
    private long[] slots;

    private int size;

    /** Segments by index; {@code null} where none is. */
    private byte[][] segments;

    /** Allocation order number of each segment, counting from 1. */
    private long[] segmentSeq;

    /** Bytes used in each segment. */
    private int[] segmentUsed;

    /** Bytes of dead records in each segment. */
    private int[] segmentDead;

    /** Segment indices in allocation order. */
    private int[] order;

    private int orderLength;

    /** The segment records are appended to, or -1. */
    private int current;

    private int lastSegmentSize;

    private long nextSeq;

    private long liveBytes;

    private long deadBytes;

    private long arenaBytes;

    /** Open snapshots; while any is, no record moves. Changed under the write lock. */
    private int openSnapshots;

    /** The segment being emptied, or -1, and how far. */
    private int evacuating = -1;

    private int evacuatedUpTo;

    /** What {@link #touchSlots} read, summed; never used. */
    @SuppressWarnings("unused")
    private long touched;

    public KeyTable() {
        this(0);
    }

    /** A table sized for {@code expectedKeys} entries without growing its index. */
    public KeyTable(int expectedKeys) {
        this.slots = new long[capacityFor(expectedKeys)];
        resetArena();
    }

    private void resetArena() {
        this.segments = new byte[8][];
        this.segmentSeq = new long[8];
        this.segmentUsed = new int[8];
        this.segmentDead = new int[8];
        this.order = new int[8];
        this.orderLength = 0;
        this.current = -1;
        this.lastSegmentSize = 0;
        this.nextSeq = 1;
        this.liveBytes = 0;
        this.deadBytes = 0;
        this.arenaBytes = 0;
        this.evacuating = -1;
        this.evacuatedUpTo = 0;
    }

    private static int capacityFor(long keys) {
        long wanted = Math.max(MIN_CAPACITY, keys * 4 / 3 + 1);
        if (wanted >= MAX_CAPACITY) {
            return MAX_CAPACITY;
        }
        return Integer.highestOneBit((int) wanted - 1) << 1;
    }

    // ------------------------------------------------------------------ reads

    /** The value of {@code key}, or {@code null}. */
    public byte[] get(byte[] key) {
        return get(key, 0, key.length);
    }

    /** The value of the key in {@code buf[off, off + len)}, or {@code null}. */
    public byte[] get(byte[] buf, int off, int len) {
        long stamp = this.lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                byte[] value = lookup(buf, off, len);
                if (this.lock.validate(stamp)) {
                    return value;
                }
            }
            catch (RuntimeException torn) {
                // A mutation overlapped the read and it saw a half-made state: read again, locked.
            }
        }
        stamp = this.lock.readLock();
        try {
            return lookup(buf, off, len);
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    /** Receives a value where it lies; see {@link #readValue}. */
    @FunctionalInterface
    public interface ValueReader {

        void value(byte[] buf, int off, int len);
    }

    /**
     * Hands the value of the key in {@code k[ko, ko + kl)} to {@code reader} where it lies, with no
     * copy: for writing it straight into an output buffer. The reader runs under the read lock
     * (the writer waits for it): it must be quick and must not keep the array, whose bytes a later
     * write of a value of the same length overwrites in place. Returns
     * {@code false}, without calling it, if the key has no value.
     */
    public boolean readValue(byte[] k, int ko, int kl, ValueReader reader) {
        long stamp = this.lock.readLock();
        try {
            long[] t = this.slots;
            int at = find(t, k, ko, kl, hash(k, ko, kl));
            if (at < 0) {
                return false;
            }
            readValueAt((t[at] & ADDRESS_MASK) - 1, reader);
            return true;
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    private void readValueAt(long address, ValueReader reader) {
        byte[] seg = this.segments[(int) (address >>> SEGMENT_SHIFT)];
        int p = (int) (address & OFFSET_MASK);
        long header = readVarint(seg, p);
        p += (int) (header >>> 32);
        long valueHeader = readVarint(seg, p);
        p += (int) (valueHeader >>> 32);
        reader.value(seg, p + ((int) header >>> 1), (int) valueHeader);
    }

    public boolean containsKey(byte[] key) {
        return containsKey(key, 0, key.length);
    }

    public boolean containsKey(byte[] buf, int off, int len) {
        long stamp = this.lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                boolean found = find(this.slots, buf, off, len, hash(buf, off, len)) >= 0;
                if (this.lock.validate(stamp)) {
                    return found;
                }
            }
            catch (RuntimeException torn) {
                // Read again, locked.
            }
        }
        stamp = this.lock.readLock();
        try {
            return find(this.slots, buf, off, len, hash(buf, off, len)) >= 0;
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    /** Live entries. */
    public int size() {
        long stamp = this.lock.tryOptimisticRead();
        int n = this.size;
        if (this.lock.validate(stamp)) {
            return n;
        }
        stamp = this.lock.readLock();
        try {
            return this.size;
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    private byte[] lookup(byte[] buf, int off, int len) {
        long[] t = this.slots;
        int at = find(t, buf, off, len, hash(buf, off, len));
        if (at < 0) {
            return null;
        }
        long address = (t[at] & ADDRESS_MASK) - 1;
        byte[] seg = this.segments[(int) (address >>> SEGMENT_SHIFT)];
        int p = (int) (address & OFFSET_MASK);
        long header = readVarint(seg, p);
        p += (int) (header >>> 32);
        int keyLength = (int) header >>> 1;
        long valueHeader = readVarint(seg, p);
        p += (int) (valueHeader >>> 32);
        int valueLength = (int) valueHeader;
        int start = p + keyLength;
        if (valueLength < 0 || start < 0 || start > seg.length - valueLength) {
            throw new IllegalStateException("torn read");
        }
        return Arrays.copyOfRange(seg, start, start + valueLength);
    }

    /** The slot of the key, or -1. Bounded even on a torn read. */
    private int find(long[] t, byte[] buf, int off, int len, long hash) {
        int mask = t.length - 1;
        int i = (int) (hash >>> (64 - Integer.numberOfTrailingZeros(t.length)));
        long tag = hash & TAG_MASK;
        for (int probes = 0; probes <= mask; probes++) {
            long s = t[i];
            if (s == 0) {
                return -1;
            }
            if ((s & TAG_MASK) == tag && keyAt((s & ADDRESS_MASK) - 1, buf, off, len)) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private boolean keyAt(long address, byte[] buf, int off, int len) {
        byte[] seg = this.segments[(int) (address >>> SEGMENT_SHIFT)];
        int p = (int) (address & OFFSET_MASK);
        long header = readVarint(seg, p);
        if (((int) header >>> 1) != len) {
            return false;
        }
        p += (int) (header >>> 32);
        p += (int) (readVarint(seg, p) >>> 32);
        return Arrays.equals(seg, p, p + len, buf, off, off + len);
    }

    // ------------------------------------------------------------------ writes

    /** Sets {@code key} to {@code value}; returns the previous value, or {@code null}. */
    public byte[] put(byte[] key, byte[] value) {
        return put(key, 0, key.length, value, 0, value.length, true);
    }

    /**
     * Sets the key in {@code k[ko, ko + kl)} to the value in {@code v[vo, vo + vl)}, copying both;
     * returns the previous value's length, or -1 if the key had none (no copy of it is made).
     */
    public int set(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
        long stamp = this.lock.writeLock();
        try {
            return putLocked(k, ko, kl, v, vo, vl, null);
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    /**
     * As {@link #set(byte[], int, int, byte[], int, int)}, handing the previous value, if there is
     * one, to {@code previous} where it lies before it is replaced: one probe and no copy of it,
     * for a caller that only measures it (a replay of a million records). The reader runs under
     * the write lock and must not keep the array.
     */
    public int set(byte[] k, int ko, int kl, byte[] v, int vo, int vl, ValueReader previous) {
        long stamp = this.lock.writeLock();
        try {
            return putLocked(k, ko, kl, v, vo, vl, previous);
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    private byte[] put(byte[] k, int ko, int kl, byte[] v, int vo, int vl, boolean wantPrevious) {
        long stamp = this.lock.writeLock();
        try {
            byte[] previous = wantPrevious ? lookup(k, ko, kl) : null;
            putLocked(k, ko, kl, v, vo, vl, null);
            return previous;
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    private int putLocked(byte[] k, int ko, int kl, byte[] v, int vo, int vl, ValueReader previous) {
        long hash = hash(k, ko, kl);
        long[] t = this.slots;
        int at = find(t, k, ko, kl, hash);
        if (at >= 0 && this.openSnapshots == 0 && overwriteInPlace((t[at] & ADDRESS_MASK) - 1, v, vo, vl, previous)) {
            // Reclaiming goes on as after any write: dead bytes other writes left are still freed.
            reclaimStep();
            return vl;
        }
        if (at >= 0 && previous != null) {
            readValueAt((t[at] & ADDRESS_MASK) - 1, previous);
        }
        int previousLength = -1;
        long address = append(k, ko, kl, v, vo, vl);
        if (at >= 0) {
            long old = (t[at] & ADDRESS_MASK) - 1;
            previousLength = valueLengthAt(old);
            kill(old);
            t[at] = (hash & TAG_MASK) | (address + 1);
        }
        else {
            insert(t, hash, address);
            this.size++;
            if (this.size > t.length / 4 * 3 && t.length < MAX_CAPACITY) {
                resize(t.length * 2);
            }
        }
        reclaimStep();
        return previousLength;
    }

    /**
     * Writes the value over the one of the live record at {@code address} when both have the same
     * length, after handing the old one to {@code previous}: the record keeps its size and place,
     * so no dead bytes are left and the arena does not grow. Only under the write lock and with no
     * snapshot open, the one reader that reads records with no lock; every other reader of a
     * value holds the read lock ({@link #readValue}) or validates its optimistic read
     * ({@link #get}), so none sees the bytes change. Returns {@code false}, having changed
     * nothing, when the lengths differ.
     */
    private boolean overwriteInPlace(long address, byte[] v, int vo, int vl, ValueReader previous) {
        byte[] seg = this.segments[(int) (address >>> SEGMENT_SHIFT)];
        int p = (int) (address & OFFSET_MASK);
        long header = readVarint(seg, p);
        p += (int) (header >>> 32);
        long valueHeader = readVarint(seg, p);
        if ((int) valueHeader != vl) {
            return false;
        }
        int start = p + (int) (valueHeader >>> 32) + ((int) header >>> 1);
        if (previous != null) {
            previous.value(seg, start, vl);
        }
        System.arraycopy(v, vo, seg, start, vl);
        return true;
    }

    /** Removes {@code key}; returns its value, or {@code null} if it had none. */
    public byte[] remove(byte[] key) {
        long stamp = this.lock.writeLock();
        try {
            byte[] previous = lookup(key, 0, key.length);
            if (previous != null) {
                removeLocked(key, 0, key.length, null);
            }
            return previous;
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    /** Removes the key in {@code k[ko, ko + kl)}; returns its value's length, or -1 if it had none. */
    public int delete(byte[] k, int ko, int kl) {
        return delete(k, ko, kl, null);
    }

    /**
     * As {@link #delete(byte[], int, int)}, handing the value, if there is one, to {@code previous}
     * where it lies before it is removed; see {@link #set(byte[], int, int, byte[], int, int, ValueReader)}.
     */
    public int delete(byte[] k, int ko, int kl, ValueReader previous) {
        long stamp = this.lock.writeLock();
        try {
            return removeLocked(k, ko, kl, previous);
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    private int removeLocked(byte[] k, int ko, int kl, ValueReader previous) {
        long[] t = this.slots;
        int at = find(t, k, ko, kl, hash(k, ko, kl));
        if (at < 0) {
            return -1;
        }
        long old = (t[at] & ADDRESS_MASK) - 1;
        if (previous != null) {
            readValueAt(old, previous);
        }
        int previousLength = valueLengthAt(old);
        kill(old);
        deleteSlot(t, at);
        this.size--;
        if (this.size < t.length / 8 && t.length > MIN_CAPACITY) {
            resize(t.length / 2);
        }
        reclaimStep();
        return previousLength;
    }

    /** Removes every entry. Open snapshots still yield what they would have. */
    public void clear() {
        long stamp = this.lock.writeLock();
        try {
            this.slots = new long[MIN_CAPACITY];
            this.size = 0;
            resetArena();
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    /**
     * Reads the index slots where the keys {@code buf[offsets[i], offsets[i] + lengths[i])} would
     * go, and changes nothing: the cache misses of a batch of keys then overlap, instead of each
     * stalling the write that follows it behind the write lock's fence. For a replay, whose
     * million keys go into an index far larger than the caches; only from the thread that
     * mutates the table.
     */
    public void touchSlots(byte[] buf, int[] offsets, int[] lengths, int count) {
        long[] t = this.slots;
        int shift = 64 - Integer.numberOfTrailingZeros(t.length);
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += t[(int) (hash(buf, offsets[i], lengths[i]) >>> shift)];
        }
        // Kept, so that the compiler cannot drop the reads as unused.
        this.touched = sum;
    }

    /** Grows the index ahead of time for {@code expectedKeys} entries (for a replay). */
    public void ensureCapacity(long expectedKeys) {
        long stamp = this.lock.writeLock();
        try {
            int wanted = capacityFor(expectedKeys);
            if (wanted > this.slots.length) {
                resize(wanted);
            }
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    private void insert(long[] t, long hash, long address) {
        int mask = t.length - 1;
        int i = (int) (hash >>> (64 - Integer.numberOfTrailingZeros(t.length)));
        while (t[i] != 0) {
            i = (i + 1) & mask;
        }
        t[i] = (hash & TAG_MASK) | (address + 1);
    }

    /** Backward-shift deletion: no tombstones in the index, probe chains stay short. */
    private void deleteSlot(long[] t, int hole) {
        int mask = t.length - 1;
        int bits = Integer.numberOfTrailingZeros(t.length);
        t[hole] = 0;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            long s = t[j];
            if (s == 0) {
                return;
            }
            int home = homeOf(s, bits);
            // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                t[hole] = s;
                t[j] = 0;
                hole = j;
            }
        }
    }

    private int homeOf(long slot, int bits) {
        if (bits <= 64 - ADDRESS_BITS) {
            return (int) (slot >>> (64 - bits));
        }
        return (int) (hashAt((slot & ADDRESS_MASK) - 1) >>> (64 - bits));
    }

    private long hashAt(long address) {
        byte[] seg = this.segments[(int) (address >>> SEGMENT_SHIFT)];
        int p = (int) (address & OFFSET_MASK);
        long header = readVarint(seg, p);
        int keyLength = (int) header >>> 1;
        p += (int) (header >>> 32);
        p += (int) (readVarint(seg, p) >>> 32);
        return hash(seg, p, keyLength);
    }

    private void resize(int capacity) {
        long[] old = this.slots;
        long[] t = new long[capacity];
        int bits = Integer.numberOfTrailingZeros(capacity);
        int mask = capacity - 1;
        for (long s : old) {
            if (s != 0) {
                int i = homeOf(s, bits);
                while (t[i] != 0) {
                    i = (i + 1) & mask;
                }
                t[i] = s;
            }
        }
        this.slots = t;
    }

    // ------------------------------------------------------------------ arena

    private static int entrySize(int keyLength, int valueLength) {
        return varintSize(keyLength << 1) + varintSize(valueLength) + keyLength + valueLength;
    }

    private long append(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
        if (kl > (Integer.MAX_VALUE >> 2) || (long) kl + vl > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("an entry of a " + kl + "-byte key and a " + vl
                    + "-byte value is too large");
        }
        int need = entrySize(kl, vl);
        int seg;
        int p;
        if (need > MAX_SEGMENT - ARRAY_SLACK) {
            seg = newSegment(need);
            p = 0;
        }
        else {
            if (this.current < 0 || this.segmentUsed[this.current] + need > this.segments[this.current].length) {
                int next = Math.min(MAX_SEGMENT, Math.max(MIN_SEGMENT, this.lastSegmentSize * 2));
                // An entry larger than the doubled segment gets a segment it fits in.
                while (next - ARRAY_SLACK < need && next < MAX_SEGMENT) {
                    next <<= 1;
                }
                this.lastSegmentSize = next;
                // A little under a power of two, so that with the array's header it fills whole heap
                // regions (G1 gives an array of just over 4 MiB five 1 MiB regions).
                this.current = newSegment(next - ARRAY_SLACK);
            }
            seg = this.current;
            p = this.segmentUsed[seg];
        }
        byte[] b = this.segments[seg];
        int q = writeVarint(b, p, kl << 1);
        q = writeVarint(b, q, vl);
        System.arraycopy(k, ko, b, q, kl);
        System.arraycopy(v, vo, b, q + kl, vl);
        this.segmentUsed[seg] = p + need;
        this.liveBytes += need;
        return ((long) seg << SEGMENT_SHIFT) | p;
    }

    private int newSegment(int length) {
        int index = -1;
        for (int i = 0; i < this.segments.length; i++) {
            if (this.segments[i] == null) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            index = this.segments.length;
            if (index >= MAX_SEGMENTS) {
                throw new IllegalStateException("the table's arena is full (" + MAX_SEGMENTS + " segments)");
            }
            int grown = Math.min(MAX_SEGMENTS, index * 2);
            this.segments = Arrays.copyOf(this.segments, grown);
            this.segmentSeq = Arrays.copyOf(this.segmentSeq, grown);
            this.segmentUsed = Arrays.copyOf(this.segmentUsed, grown);
            this.segmentDead = Arrays.copyOf(this.segmentDead, grown);
        }
        this.segments[index] = new byte[length];
        this.segmentSeq[index] = this.nextSeq++;
        this.segmentUsed[index] = 0;
        this.segmentDead[index] = 0;
        if (this.orderLength == this.order.length) {
            this.order = Arrays.copyOf(this.order, this.orderLength * 2);
        }
        this.order[this.orderLength++] = index;
        this.arenaBytes += length;
        return index;
    }

    private void kill(long address) {
        int seg = (int) (address >>> SEGMENT_SHIFT);
        int p = (int) (address & OFFSET_MASK);
        byte[] b = this.segments[seg];
        b[p] |= 1;
        int size = sizeAt(b, p);
        this.segmentDead[seg] += size;
        this.liveBytes -= size;
        this.deadBytes += size;
    }

    private int valueLengthAt(long address) {
        byte[] b = this.segments[(int) (address >>> SEGMENT_SHIFT)];
        int p = (int) (address & OFFSET_MASK);
        p += (int) (readVarint(b, p) >>> 32);
        return (int) readVarint(b, p);
    }

    private static int sizeAt(byte[] b, int p) {
        long header = readVarint(b, p);
        int keyLength = (int) header >>> 1;
        long valueHeader = readVarint(b, p + (int) (header >>> 32));
        return (int) (header >>> 32) + (int) (valueHeader >>> 32) + keyLength + (int) valueHeader;
    }

    /**
     * One bounded step of reclaiming dead records, while they are more than a quarter of the live
     * ones and no snapshot is open: moves the live records of the next part of the emptiest
     * segment to the arena's end, and frees the segment once it holds none.
     */
    private void reclaimStep() {
        if (this.openSnapshots > 0) {
            return;
        }
        if (this.evacuating < 0) {
            if (this.deadBytes <= MIN_SEGMENT || this.deadBytes <= this.liveBytes / 4) {
                return;
            }
            int victim = -1;
            for (int i = 0; i < this.orderLength; i++) {
                int s = this.order[i];
                if (s != this.current && (victim < 0 || this.segmentDead[s] > this.segmentDead[victim])) {
                    victim = s;
                }
            }
            if (victim < 0 || this.segmentDead[victim] == 0) {
                return;
            }
            this.evacuating = victim;
            this.evacuatedUpTo = 0;
        }
        int seg = this.evacuating;
        byte[] b = this.segments[seg];
        int used = this.segmentUsed[seg];
        int p = this.evacuatedUpTo;
        int stop = Math.min(used, p + EVACUATION_STEP_BYTES);
        long[] t = this.slots;
        while (p < used && p < stop) {
            long header = readVarint(b, p);
            int keyLength = (int) header >>> 1;
            int q = p + (int) (header >>> 32);
            long valueHeader = readVarint(b, q);
            int valueLength = (int) valueHeader;
            q += (int) (valueHeader >>> 32);
            int size = q - p + keyLength + valueLength;
            if ((header & 1) == 0) {
                long address = ((long) seg << SEGMENT_SHIFT) | p;
                long hash = hash(b, q, keyLength);
                int at = slotOf(t, hash, address);
                long moved = append(b, q, keyLength, b, q + keyLength, valueLength);
                this.liveBytes -= size;
                b[p] |= 1;
                this.segmentDead[seg] += size;
                this.deadBytes += size;
                t[at] = (hash & TAG_MASK) | (moved + 1);
            }
            p += size;
        }
        this.evacuatedUpTo = p;
        if (p >= used) {
            this.deadBytes -= this.segmentDead[seg];
            this.arenaBytes -= b.length;
            this.segments[seg] = null;
            this.segmentDead[seg] = 0;
            this.segmentUsed[seg] = 0;
            for (int i = 0; i < this.orderLength; i++) {
                if (this.order[i] == seg) {
                    System.arraycopy(this.order, i + 1, this.order, i, this.orderLength - i - 1);
                    this.orderLength--;
                    break;
                }
            }
            this.evacuating = -1;
        }
    }

    private int slotOf(long[] t, long hash, long address) {
        int mask = t.length - 1;
        int i = (int) (hash >>> (64 - Integer.numberOfTrailingZeros(t.length)));
        long want = address + 1;
        while ((t[i] & ADDRESS_MASK) != want) {
            i = (i + 1) & mask;
        }
        return i;
    }

    // ------------------------------------------------------------------ iteration

    /** Receives an entry: key and value lie side by side in {@code buf}, which must not be kept. */
    @FunctionalInterface
    public interface EntryVisitor {

        void entry(byte[] buf, int keyOff, int keyLen, int valueOff, int valueLen);
    }

    /**
     * One step of a full iteration, as Redis's {@code SCAN}: starts at {@code cursor} (0 for the
     * first call), hands up to about {@code count} keys to {@code keys} (copies, after the lock is
     * released) and returns the cursor for the next call, 0 when the iteration is complete. A key
     * present for the whole iteration is handed over at least once; a key written meanwhile may be
     * handed over twice or, if removed, not at all.
     */
    public long scan(long cursor, int count, Consumer<byte[]> keys) {
        int wanted = Math.max(1, count);
        byte[][] found = new byte[Math.min(wanted, 1024)][];
        int n = 0;
        long next = 0;
        long stamp = this.lock.readLock();
        try {
            long seq = cursor == 0 ? 0 : cursor >>> SEGMENT_SHIFT;
            int offset = cursor == 0 ? 0 : (int) (cursor & OFFSET_MASK);
            int examined = 0;
            int limit = wanted * 16;
            for (int o = 0; o < this.orderLength && next == 0; o++) {
                int seg = this.order[o];
                long s = this.segmentSeq[seg];
                if (s < seq) {
                    continue;
                }
                int p = s == seq ? offset : 0;
                byte[] b = this.segments[seg];
                int used = this.segmentUsed[seg];
                while (p < used) {
                    if (n >= wanted || examined >= limit) {
                        next = (s << SEGMENT_SHIFT) | p;
                        break;
                    }
                    long header = readVarint(b, p);
                    int keyLength = (int) header >>> 1;
                    int q = p + (int) (header >>> 32);
                    long valueHeader = readVarint(b, q);
                    q += (int) (valueHeader >>> 32);
                    if ((header & 1) == 0) {
                        if (n == found.length) {
                            found = Arrays.copyOf(found, n * 2);
                        }
                        found[n++] = Arrays.copyOfRange(b, q, q + keyLength);
                    }
                    examined++;
                    p = q + keyLength + (int) valueHeader;
                }
            }
        }
        finally {
            this.lock.unlockRead(stamp);
        }
        for (int i = 0; i < n; i++) {
            keys.accept(found[i]);
        }
        return next;
    }

    /**
     * Hands every live key to {@code keys}, each once: the keys are copied under the read lock (the
     * writer waits meanwhile, as for any read), and handed over after it is released.
     */
    public void forEachKey(Consumer<byte[]> keys) {
        byte[][] found;
        int n = 0;
        long stamp = this.lock.readLock();
        try {
            found = new byte[this.size][];
            for (int o = 0; o < this.orderLength; o++) {
                int seg = this.order[o];
                byte[] b = this.segments[seg];
                int used = this.segmentUsed[seg];
                int p = 0;
                while (p < used) {
                    long header = readVarint(b, p);
                    int keyLength = (int) header >>> 1;
                    int q = p + (int) (header >>> 32);
                    long valueHeader = readVarint(b, q);
                    q += (int) (valueHeader >>> 32);
                    if ((header & 1) == 0) {
                        found[n++] = Arrays.copyOfRange(b, q, q + keyLength);
                    }
                    p = q + keyLength + (int) valueHeader;
                }
            }
        }
        finally {
            this.lock.unlockRead(stamp);
        }
        for (int i = 0; i < n; i++) {
            keys.accept(found[i]);
        }
    }

    /**
     * Marks the arena's end for a compaction and stops reclaiming until the snapshot is closed.
     * Call it where no write is applied meanwhile (the writing thread, between two writes), so that
     * the snapshot holds exactly the writes made before it. Hand the snapshot to another thread
     * through something that orders memory (a queue, a future).
     */
    public Snapshot beginSnapshot() {
        long stamp = this.lock.writeLock();
        try {
            this.openSnapshots++;
            byte[][] segs = new byte[this.orderLength][];
            int[] ends = new int[this.orderLength];
            for (int i = 0; i < this.orderLength; i++) {
                int seg = this.order[i];
                segs[i] = this.segments[seg];
                ends[i] = this.segmentUsed[seg];
            }
            return new Snapshot(segs, ends, this.size, this.liveBytes);
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }

    /** The entries of the table when {@link #beginSnapshot()} was called; see the class comment. */
    public final class Snapshot implements AutoCloseable {

        private final byte[][] segs;

        private final int[] ends;

        private final int keysAtStart;

        private final long liveBytesAtStart;

        private int segment;

        private int position;

        private boolean closed;

        private Snapshot(byte[][] segs, int[] ends, int keysAtStart, long liveBytesAtStart) {
            this.segs = segs;
            this.ends = ends;
            this.keysAtStart = keysAtStart;
            this.liveBytesAtStart = liveBytesAtStart;
        }

        public int keysAtStart() {
            return this.keysAtStart;
        }

        public long liveBytesAtStart() {
            return this.liveBytesAtStart;
        }

        /**
         * Hands up to {@code maxEntries} further live entries to {@code visitor}, with no lock
         * held; returns {@code false} once the walk is complete.
         */
        public boolean next(int maxEntries, EntryVisitor visitor) {
            int handed = 0;
            while (this.segment < this.segs.length) {
                byte[] b = this.segs[this.segment];
                int end = this.ends[this.segment];
                int p = this.position;
                while (p < end) {
                    if (handed >= maxEntries) {
                        this.position = p;
                        return true;
                    }
                    long header = readVarint(b, p);
                    int keyLength = (int) header >>> 1;
                    int q = p + (int) (header >>> 32);
                    long valueHeader = readVarint(b, q);
                    int valueLength = (int) valueHeader;
                    q += (int) (valueHeader >>> 32);
                    if ((header & 1) == 0) {
                        visitor.entry(b, q, keyLength, q + keyLength, valueLength);
                        handed++;
                    }
                    p = q + keyLength + valueLength;
                }
                this.segment++;
                this.position = 0;
            }
            return false;
        }

        /** Lets the table reclaim dead records again; safe to call more than once, from any thread. */
        @Override
        public void close() {
            long stamp = KeyTable.this.lock.writeLock();
            try {
                if (!this.closed) {
                    this.closed = true;
                    KeyTable.this.openSnapshots--;
                }
            }
            finally {
                KeyTable.this.lock.unlockWrite(stamp);
            }
        }
    }

    // ------------------------------------------------------------------ figures

    /** Bytes of arena and index held, for memory figures. */
    public long memoryBytes() {
        long stamp = this.lock.readLock();
        try {
            return this.arenaBytes + 8L * this.slots.length;
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    /** Bytes of dead records not yet reclaimed. */
    public long deadBytes() {
        long stamp = this.lock.readLock();
        try {
            return this.deadBytes;
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    // ------------------------------------------------------------------ encoding helpers

    /** Reads a varint at {@code p}: the value in the low 32 bits, its length in bytes in the high ones. */
    private static long readVarint(byte[] b, int p) {
        int value = 0;
        int shift = 0;
        int i = p;
        while (true) {
            byte x = b[i++];
            value |= (x & 0x7F) << shift;
            if (x >= 0) {
                return ((long) (i - p) << 32) | (value & 0xFFFFFFFFL);
            }
            shift += 7;
            if (shift > 28) {
                throw new IllegalStateException("torn read");
            }
        }
    }

    private static int writeVarint(byte[] b, int p, int value) {
        int v = value;
        while ((v & ~0x7F) != 0) {
            b[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    private static int varintSize(int value) {
        return value < (1 << 7) ? 1 : value < (1 << 14) ? 2 : value < (1 << 21) ? 3 : value < (1 << 28) ? 4 : 5;
    }

    private long hash(byte[] b, int off, int len) {
        return hash(this.seed, b, off, len);
    }

    /** A 64-bit hash of {@code b[off, off + len)} under {@code seed}: a random seed keeps crafted keys from colliding. */
    static long hash(long seed, byte[] b, int off, int len) {
        long h = seed ^ (len * 0x9E3779B97F4A7C15L);
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            long w = (long) LONGS.get(b, i);
            h ^= Long.rotateLeft(w * 0x87C37B91114253D5L, 31) * 0x4CF5AD432745937FL;
            h = Long.rotateLeft(h, 27) * 5 + 0x52DCE729;
            i += 8;
        }
        long w = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
            w |= (b[i] & 0xFFL) << shift;
        }
        h ^= Long.rotateLeft(w * 0x87C37B91114253D5L, 31) * 0x4CF5AD432745937FL;
        // murmur3's finaliser: every input bit reaches the top bits, which pick the slot.
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
