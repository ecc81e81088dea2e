package io.keystonelight.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A hash: fields to values, in the order fields were first set (Redis's small hashes keep that
 * order too, so replies match). Once the store published it, it is never changed again: a write
 * changes a copy that replaces it, so readers need no lock.
 */
public final class HashValue {

    private final LinkedHashMap<ByteKey, byte[]> fields;

    public HashValue() {
        this.fields = new LinkedHashMap<>();
    }

    private HashValue(LinkedHashMap<ByteKey, byte[]> fields) {
        this.fields = fields;
    }

    public byte[] get(byte[] field) {
        return this.fields.get(new ByteKey(field));
    }

    public boolean contains(byte[] field) {
        return this.fields.containsKey(new ByteKey(field));
    }

    public int size() {
        return this.fields.size();
    }

    public void forEach(BiConsumer<byte[], byte[]> action) {
        for (Map.Entry<ByteKey, byte[]> entry : this.fields.entrySet()) {
            action.accept(entry.getKey().bytes(), entry.getValue());
        }
    }

    public List<byte[]> fields() {
        List<byte[]> all = new ArrayList<>(this.fields.size());
        for (ByteKey field : this.fields.keySet()) {
            all.add(field.bytes());
        }
        return all;
    }

    /** @return whether the field is new */
    boolean put(byte[] field, byte[] value) {
        return this.fields.put(new ByteKey(field), value) == null;
    }

    boolean remove(byte[] field) {
        return this.fields.remove(new ByteKey(field)) != null;
    }

    HashValue copy() {
        return new HashValue(new LinkedHashMap<>(this.fields));
    }
}
