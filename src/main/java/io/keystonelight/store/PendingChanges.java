package io.keystonelight.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.keystonelight.persistence.RecordBatch;

/**
 * The changes of one group of writes, worked out against the table plus the group's own earlier
 * changes, written as records, and applied to the table only once those records are durable.
 * So the table only ever holds what the log holds, and a group that could not be persisted
 * leaves it untouched. Used by one thread at a time: the store's committer.
 */
final class PendingChanges {

    /** Marks a key the group deleted. */
    private static final byte[] DELETED = new byte[0];

    private final EntryTable table;

    private final RecordBatch records;

    /** Keys the group changed, in the order first changed, with their last value or DELETED. */
    private final Map<ByteKey, byte[]> changed = new HashMap<>();

    private final List<ByteKey> order = new ArrayList<>();

    private boolean cleared;

    PendingChanges(EntryTable table, RecordBatch records) {
        this.table = table;
        this.records = records;
    }

    /** Works out {@code write} against the table and the group's earlier writes; records what it changes. */
    @SuppressWarnings("unchecked")
    <R> R apply(Write<R> write) {
        if (write instanceof Write.Put put) {
            return (R) put(put);
        }
        if (write instanceof Write.Delete delete) {
            int deleted = 0;
            for (byte[] key : delete.keys()) {
                if (value(key) != null) {
                    remove(key);
                    deleted++;
                }
            }
            return (R) Integer.valueOf(deleted);
        }
        if (write instanceof Write.GetAndDelete getAndDelete) {
            byte[] previous = value(getAndDelete.key());
            if (previous != null) {
                remove(getAndDelete.key());
            }
            return (R) previous;
        }
        if (write instanceof Write.PutAll putAll) {
            if (putAll.onlyIfNoneExists()) {
                for (byte[] key : putAll.keys()) {
                    if (value(key) != null) {
                        return (R) Boolean.FALSE;
                    }
                }
            }
            for (int i = 0; i < putAll.keys().size(); i++) {
                set(putAll.keys().get(i), putAll.values().get(i));
            }
            return (R) Boolean.TRUE;
        }
        if (write instanceof Write.Increment increment) {
            return (R) increment(increment);
        }
        if (write instanceof Write.Append append) {
            byte[] current = value(append.key());
            byte[] joined = current == null ? append.suffix() : concat(current, append.suffix());
            set(append.key(), joined);
            return (R) Long.valueOf(joined.length);
        }
        if (write instanceof Write.Clear) {
            // One record that deletes every key, however many there are.
            long[] count = new long[1];
            this.table.forEach((key, value) -> {
                if (!this.changed.containsKey(new ByteKey(key))) {
                    count[0]++;
                }
            });
            for (Map.Entry<ByteKey, byte[]> entry : this.changed.entrySet()) {
                if (entry.getValue() != DELETED) {
                    count[0]++;
                }
                entry.setValue(DELETED);
            }
            this.records.flushAll();
            this.cleared = true;
            return (R) Long.valueOf(count[0]);
        }
        throw new IllegalArgumentException("unknown write " + write);
    }

    private Write.PutResult put(Write.Put put) {
        byte[] previous = put.condition() == Write.Condition.ALWAYS && !put.returnPrevious() ? null : value(put.key());
        boolean applies = switch (put.condition()) {
            case ALWAYS -> true;
            case IF_ABSENT -> previous == null;
            case IF_PRESENT -> previous != null;
        };
        if (applies) {
            set(put.key(), put.value());
        }
        return new Write.PutResult(applies, put.returnPrevious() ? previous : null);
    }

    private Long increment(Write.Increment increment) {
        byte[] current = value(increment.key());
        long base = 0;
        if (current != null) {
            base = parseLong(current);
        }
        long sum;
        try {
            sum = Math.addExact(base, increment.delta());
        }
        catch (ArithmeticException ex) {
            throw new WriteRejectedException("increment or decrement would overflow");
        }
        set(increment.key(), Long.toString(sum).getBytes(StandardCharsets.US_ASCII));
        return sum;
    }

    private static long parseLong(byte[] value) {
        if (value.length == 0 || value.length > 20) {
            throw notAnInteger();
        }
        String text = new String(value, StandardCharsets.ISO_8859_1);
        // Redis accepts only the canonical form: no sign on zero, no leading zeros or spaces.
        if (!text.matches("-?(0|[1-9][0-9]*)") || text.equals("-0")) {
            throw notAnInteger();
        }
        try {
            return Long.parseLong(text);
        }
        catch (NumberFormatException ex) {
            throw notAnInteger();
        }
    }

    private static WriteRejectedException notAnInteger() {
        return new WriteRejectedException("value is not an integer or out of range");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** The value of {@code key} once the group's earlier writes are applied, or {@code null}. */
    byte[] value(byte[] key) {
        if (!this.changed.isEmpty() || this.cleared) {
            byte[] pending = this.changed.get(new ByteKey(key));
            if (pending != null) {
                return pending == DELETED ? null : pending;
            }
            if (this.cleared) {
                return null;
            }
        }
        return this.table.get(key);
    }

    private void set(byte[] key, byte[] value) {
        this.records.put(key, value);
        track(key, value);
    }

    private void remove(byte[] key) {
        this.records.tombstone(key);
        track(key, DELETED);
    }

    private void track(byte[] key, byte[] value) {
        ByteKey k = new ByteKey(key);
        if (this.changed.put(k, value) == null) {
            this.order.add(k);
        }
    }

    boolean isEmpty() {
        return this.changed.isEmpty() && !this.cleared;
    }

    /**
     * Applies the group's changes to the table, once its records are durable.
     * @return by how much the bytes of live records changed
     */
    long applyToTable() {
        long delta = 0;
        if (this.cleared) {
            List<byte[]> all = new ArrayList<>();
            this.table.forEach((key, value) -> all.add(key));
            for (byte[] key : all) {
                if (!this.changed.containsKey(new ByteKey(key))) {
                    byte[] previous = this.table.remove(key);
                    delta -= RecordBatch.putRecordLength(key, previous);
                }
            }
        }
        for (ByteKey key : this.order) {
            byte[] value = this.changed.get(key);
            byte[] previous = value == DELETED ? this.table.remove(key.bytes()) : this.table.put(key.bytes(), value);
            if (previous != null) {
                delta -= RecordBatch.putRecordLength(key.bytes(), previous);
            }
            if (value != DELETED) {
                delta += RecordBatch.putRecordLength(key.bytes(), value);
            }
        }
        return delta;
    }

    /** Forgets the group: its records were not persisted. */
    void discard() {
        this.changed.clear();
        this.order.clear();
        this.cleared = false;
    }
}
