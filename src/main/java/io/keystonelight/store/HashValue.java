package io.keystonelight.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A hash: fields to values, in the order fields were first set (Redis's small hashes keep that
 * order too, so replies match). Once the store published it, it is never changed again: a write
 * changes a copy that replaces it, so readers need no lock.
 *
 * <p>Up to {@value #MAX_PACKED} fields it is packed, as Redis packs small hashes in a listpack:
 * one {@code byte[]} of {@code varint(fieldLength) varint(valueLength) field value} entries, and
 * an open-addressing {@code int[]} of entry offsets for lookups, so a field costs its bytes plus
 * about ten, with no Java object per field. A larger hash keeps a map, where a write's copy of
 * the whole hash would cost too much.
 */
public final class HashValue {

    static final int MAX_PACKED = 2048;

    /** Below this many fields a lookup scans the entries instead of keeping an index. */
    private static final int INDEXED_FROM = 8;

    private byte[] data;

    private int used;

    private int count;

    /** Offset + 1 of each entry by its field's hash; {@code null} while small or out of date. */
    private int[] index;

    /** The fields once the hash outgrew the packed form; {@code null} until then. */
    private LinkedHashMap<ByteKey, byte[]> map;

    public HashValue() {
        this.data = new byte[32];
    }

    private HashValue(byte[] data, int used, int count, int[] index, LinkedHashMap<ByteKey, byte[]> map) {
        this.data = data;
        this.used = used;
        this.count = count;
        this.index = index;
        this.map = map;
    }

    public byte[] get(byte[] field) {
        if (this.map != null) {
            return this.map.get(new ByteKey(field));
        }
        int at = find(field);
        if (at < 0) {
            return null;
        }
        int p = at;
        int fieldLength = varint(p);
        p += varintSize(fieldLength);
        int valueLength = varint(p);
        p += varintSize(valueLength) + fieldLength;
        return Arrays.copyOfRange(this.data, p, p + valueLength);
    }

    public boolean contains(byte[] field) {
        return this.map != null ? this.map.containsKey(new ByteKey(field)) : find(field) >= 0;
    }

    public int size() {
        return this.map != null ? this.map.size() : this.count;
    }

    /**
     * The bytes of the packed form's arrays (entries and index, with their headers), or -1 once
     * the hash keeps a map, whose size is only known by visiting its fields.
     */
    public long packedBytes() {
        if (this.map != null) {
            return -1;
        }
        long bytes = 16 + this.data.length;
        return this.index == null ? bytes : bytes + 16 + 4L * this.index.length;
    }

    public void forEach(BiConsumer<byte[], byte[]> action) {
        if (this.map != null) {
            for (Map.Entry<ByteKey, byte[]> entry : this.map.entrySet()) {
                action.accept(entry.getKey().bytes(), entry.getValue());
            }
            return;
        }
        int p = 0;
        while (p < this.used) {
            int fieldLength = varint(p);
            p += varintSize(fieldLength);
            int valueLength = varint(p);
            p += varintSize(valueLength);
            byte[] field = Arrays.copyOfRange(this.data, p, p + fieldLength);
            p += fieldLength;
            byte[] value = Arrays.copyOfRange(this.data, p, p + valueLength);
            p += valueLength;
            action.accept(field, value);
        }
    }

    public List<byte[]> fields() {
        List<byte[]> all = new ArrayList<>(size());
        forEach((field, value) -> all.add(field));
        return all;
    }

    /** @return whether the field is new */
    boolean put(byte[] field, byte[] value) {
        if (this.map != null) {
            return this.map.put(new ByteKey(field), value) == null;
        }
        int at = find(field);
        if (at >= 0) {
            // An update keeps the field's place, as Redis's listpack does.
            int end = entryEnd(at);
            byte[] entry = encode(field, value);
            splice(at, end, entry);
            this.index = null;
            return false;
        }
        if (this.count == MAX_PACKED) {
            unpack();
            return this.map.put(new ByteKey(field), value) == null;
        }
        byte[] entry = encode(field, value);
        int offset = this.used;
        splice(offset, offset, entry);
        this.count++;
        if (this.index != null) {
            if (this.count * 2 > this.index.length) {
                this.index = null;
            }
            else {
                insert(this.index, hash(field, 0, field.length), offset);
            }
        }
        return true;
    }

    boolean remove(byte[] field) {
        if (this.map != null) {
            return this.map.remove(new ByteKey(field)) != null;
        }
        int at = find(field);
        if (at < 0) {
            return false;
        }
        splice(at, entryEnd(at), new byte[0]);
        this.count--;
        this.index = null;
        return true;
    }

    HashValue copy() {
        if (this.map != null) {
            return new HashValue(null, 0, 0, null, new LinkedHashMap<>(this.map));
        }
        return new HashValue(Arrays.copyOf(this.data, this.used + Math.max(32, this.used >> 3)), this.used, this.count,
                this.index == null ? null : this.index.clone(), null);
    }

    private void unpack() {
        LinkedHashMap<ByteKey, byte[]> fields = new LinkedHashMap<>();
        forEach((field, value) -> fields.put(new ByteKey(field), value));
        this.map = fields;
        this.data = null;
        this.index = null;
        this.used = 0;
        this.count = 0;
    }

    /** The offset of the field's entry, or -1. */
    private int find(byte[] field) {
        if (this.count >= INDEXED_FROM) {
            if (this.index == null) {
                buildIndex();
            }
            int mask = this.index.length - 1;
            for (int slot = hash(field, 0, field.length) & mask;; slot = (slot + 1) & mask) {
                int entry = this.index[slot];
                if (entry == 0) {
                    return -1;
                }
                if (fieldEquals(entry - 1, field)) {
                    return entry - 1;
                }
            }
        }
        int p = 0;
        while (p < this.used) {
            if (fieldEquals(p, field)) {
                return p;
            }
            p = entryEnd(p);
        }
        return -1;
    }

    private void buildIndex() {
        int capacity = Integer.highestOneBit(Math.max(16, this.count * 2 - 1)) << 1;
        int[] slots = new int[capacity];
        int p = 0;
        while (p < this.used) {
            int fieldLength = varint(p);
            int start = p + varintSize(fieldLength);
            int valueLength = varint(start);
            start += varintSize(valueLength);
            insert(slots, hash(this.data, start, fieldLength), p);
            p = start + fieldLength + valueLength;
        }
        this.index = slots;
    }

    private static void insert(int[] slots, int hash, int offset) {
        int mask = slots.length - 1;
        int slot = hash & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = offset + 1;
    }

    private boolean fieldEquals(int at, byte[] field) {
        int fieldLength = varint(at);
        if (fieldLength != field.length) {
            return false;
        }
        int start = at + varintSize(fieldLength);
        int valueLength = varint(start);
        start += varintSize(valueLength);
        return Arrays.equals(this.data, start, start + fieldLength, field, 0, field.length);
    }

    private int entryEnd(int at) {
        int fieldLength = varint(at);
        int p = at + varintSize(fieldLength);
        int valueLength = varint(p);
        return p + varintSize(valueLength) + fieldLength + valueLength;
    }

    /** Replaces bytes {@code [from, to)} with {@code bytes}. */
    private void splice(int from, int to, byte[] bytes) {
        int grown = this.used - (to - from) + bytes.length;
        if (grown > this.data.length) {
            this.data = Arrays.copyOf(this.data, Math.max(grown, this.data.length + (this.data.length >> 1)));
        }
        System.arraycopy(this.data, to, this.data, from + bytes.length, this.used - to);
        System.arraycopy(bytes, 0, this.data, from, bytes.length);
        this.used = grown;
    }

    private static byte[] encode(byte[] field, byte[] value) {
        byte[] entry = new byte[varintSize(field.length) + varintSize(value.length) + field.length + value.length];
        int p = writeVarint(entry, 0, field.length);
        p = writeVarint(entry, p, value.length);
        System.arraycopy(field, 0, entry, p, field.length);
        System.arraycopy(value, 0, entry, p + field.length, value.length);
        return entry;
    }

    private static int hash(byte[] bytes, int from, int length) {
        int h = 0x9747b28c;
        for (int i = from; i < from + length; i++) {
            h = (h ^ bytes[i]) * 0x5bd1e995;
        }
        return h ^ (h >>> 15);
    }

    private int varint(int at) {
        int value = 0;
        int shift = 0;
        byte b;
        do {
            b = this.data[at++];
            value |= (b & 0x7f) << shift;
            shift += 7;
        }
        while (b < 0);
        return value;
    }

    private static int varintSize(int value) {
        return value < 1 << 7 ? 1 : value < 1 << 14 ? 2 : value < 1 << 21 ? 3 : value < 1 << 28 ? 4 : 5;
    }

    private static int writeVarint(byte[] out, int at, int value) {
        while (value >= 0x80) {
            out[at++] = (byte) (value | 0x80);
            value >>>= 7;
        }
        out[at++] = (byte) value;
        return at;
    }
}
