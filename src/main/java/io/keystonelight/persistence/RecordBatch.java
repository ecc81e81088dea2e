package io.keystonelight.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Records encoded in the data file's format, collected so that a whole group of writes
 * reaches the file in one write call. Reused between groups; not thread-safe. The arrays passed
 * in are copied at once and may be reused by the caller.
 *
 * <p>The format is {@link RecordFormat}'s: {@code key|value\n} sets a key, {@code key\n} deletes
 * it, and a record that this plain form cannot hold is written in the escaped form.
 */
public final class RecordBatch {

    private byte[] bytes = new byte[8192];

    private int length;

    private int records;

    public void put(byte[] key, byte[] value) {
        put(key, 0, key.length, value, 0, value.length);
    }

    /** Sets the key in {@code k[ko, ko + kl)} to the value in {@code v[vo, vo + vl)}. */
    public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
        if (RecordFormat.plainKeyProblem(k, ko, kl) == null && RecordFormat.isPlainValue(v, vo, vl)) {
            ensureCapacity(kl + vl + 2);
            byte[] b = this.bytes;
            int p = this.length;
            System.arraycopy(k, ko, b, p, kl);
            p += kl;
            b[p++] = '|';
            System.arraycopy(v, vo, b, p, vl);
            p += vl;
            b[p++] = '\n';
            this.length = p;
        }
        else {
            ensureCapacity(RecordFormat.SET_TAG.length + 3 * ((long) kl + vl) + 2);
            int p = appendRaw(RecordFormat.SET_TAG);
            p = RecordFormat.escape(k, ko, kl, this.bytes, p);
            this.bytes[p++] = '|';
            p = RecordFormat.escape(v, vo, vl, this.bytes, p);
            this.bytes[p++] = '\n';
            this.length = p;
        }
        this.records++;
    }

    public void tombstone(byte[] key) {
        tombstone(key, 0, key.length);
    }

    /** Deletes the key in {@code k[ko, ko + kl)}. */
    public void tombstone(byte[] k, int ko, int kl) {
        if (RecordFormat.plainKeyProblem(k, ko, kl) == null) {
            ensureCapacity(kl + 1);
            System.arraycopy(k, ko, this.bytes, this.length, kl);
            this.length += kl;
            this.bytes[this.length++] = '\n';
        }
        else {
            ensureCapacity(RecordFormat.DELETE_TAG.length + 3L * kl + 1);
            int p = appendRaw(RecordFormat.DELETE_TAG);
            p = RecordFormat.escape(k, ko, kl, this.bytes, p);
            this.bytes[p++] = '\n';
            this.length = p;
        }
        this.records++;
    }

    /** Deletes every key (a flush record, always in the escaped form). */
    public void flushAll() {
        ensureCapacity(RecordFormat.FLUSH.length + 1);
        int p = appendRaw(RecordFormat.FLUSH);
        this.bytes[p++] = '\n';
        this.length = p;
        this.records++;
    }

    /** A record {@code |tag|field|field...}; see {@link RecordFormat#OPERATION_TAGS}. */
    public void operation(String tag, byte[]... fields) {
        long room = tag.length() + 3;
        for (byte[] field : fields) {
            room += 1 + 3L * field.length;
        }
        ensureCapacity(room);
        int p = this.length;
        this.bytes[p++] = '|';
        for (int i = 0; i < tag.length(); i++) {
            this.bytes[p++] = (byte) tag.charAt(i);
        }
        for (byte[] field : fields) {
            this.bytes[p++] = '|';
            p = RecordFormat.escape(field, 0, field.length, this.bytes, p);
        }
        this.bytes[p++] = '\n';
        this.length = p;
        this.records++;
    }

    /** Where the records written from now on start; for {@link #group(long)}. */
    public long mark() {
        return (long) this.length << 32 | this.records;
    }

    /** Forgets the records written since {@code mark}. */
    public void reset(long mark) {
        this.length = (int) (mark >>> 32);
        this.records = (int) mark;
    }

    /**
     * Makes the records written since {@code mark} one {@code |tx|} record, when they are more
     * than one, so that a crash keeps all of them or none.
     */
    public void group(long mark) {
        int from = (int) (mark >>> 32);
        int recordsBefore = (int) mark;
        if (this.records - recordsBefore < 2) {
            return;
        }
        byte[] lines = Arrays.copyOfRange(this.bytes, from, this.length);
        this.length = from;
        ensureCapacity(RecordFormat.GROUP.length() + 2 + 3L * lines.length);
        int p = this.length;
        this.bytes[p++] = '|';
        for (int i = 0; i < RecordFormat.GROUP.length(); i++) {
            this.bytes[p++] = (byte) RecordFormat.GROUP.charAt(i);
        }
        int lineStart = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i] == '\n') {
                this.bytes[p++] = '|';
                p = RecordFormat.escape(lines, lineStart, i - lineStart, this.bytes, p);
                lineStart = i + 1;
            }
        }
        this.bytes[p++] = '\n';
        this.length = p;
        this.records = recordsBefore + 1;
    }

    public void put(String key, String value) {
        put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    public void tombstone(String key) {
        tombstone(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The size in bytes of the record that sets {@code key} to {@code value}, in whichever form it is written. */
    public static int putRecordLength(byte[] key, byte[] value) {
        return putRecordLength(key, 0, key.length, value, 0, value.length);
    }

    /** The size in bytes of the record that sets the key to the value, in whichever form it is written. */
    public static int putRecordLength(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
        if (RecordFormat.plainKeyProblem(k, ko, kl) == null && RecordFormat.isPlainValue(v, vo, vl)) {
            return kl + vl + 2;
        }
        return RecordFormat.SET_TAG.length + RecordFormat.escapedLength(k, ko, kl) + 1
                + RecordFormat.escapedLength(v, vo, vl) + 1;
    }

    private int appendRaw(byte[] raw) {
        System.arraycopy(raw, 0, this.bytes, this.length, raw.length);
        return this.length + raw.length;
    }

    /** Appends bytes that already hold whole records, such as a part of another data file. */
    public void appendEncoded(byte[] encoded, int offset, int count, int recordCount) {
        ensureCapacity(count);
        System.arraycopy(encoded, offset, this.bytes, this.length, count);
        this.length += count;
        this.records += recordCount;
    }

    public boolean isEmpty() {
        return this.length == 0;
    }

    public int length() {
        return this.length;
    }

    public int recordCount() {
        return this.records;
    }

    public void clear() {
        this.length = 0;
        this.records = 0;
    }

    ByteBuffer asByteBuffer() {
        return ByteBuffer.wrap(this.bytes, 0, this.length);
    }

    byte[] array() {
        return this.bytes;
    }

    /**
     * The size in bytes of the record that sets {@code key} to {@code value}, for keys and values
     * of the text protocol (which the plain form holds).
     */
    public static int putRecordLength(String key, String value) {
        return utf8Length(key) + 1 + utf8Length(value) + 1;
    }

    private void ensureCapacity(long extra) {
        long needed = this.length + extra;
        if (needed > this.bytes.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("a group of records of " + needed + " bytes is too large");
            }
            this.bytes = Arrays.copyOf(this.bytes, (int) Math.max(Math.min(this.bytes.length * 2L, Integer.MAX_VALUE - 16), needed));
        }
    }

    static int utf8Length(String text) {
        int n = text.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                }
                else if (Character.isHighSurrogate(c)) {
                    // A surrogate pair is 4 bytes in UTF-8, counted here as 2 + 2.
                    bytes += 1;
                }
                else if (Character.isLowSurrogate(c)) {
                    bytes += 1;
                }
                else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
