package io.keystonelight.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Records encoded in the data file's format, collected so that a whole group of writes
 * reaches the file in one write call. Reused between groups; not thread-safe.
 *
 * <p>The format: {@code key|value\n} sets a key, {@code key\n} deletes it.
 */
public final class RecordBatch {

    private byte[] bytes = new byte[8192];

    private int length;

    private int records;

    public void put(String key, String value) {
        appendUtf8(key);
        append((byte) '|');
        appendUtf8(value);
        append((byte) '\n');
        this.records++;
    }

    public void put(byte[] key, byte[] value) {
        ensureCapacity(key.length + value.length + 2);
        System.arraycopy(key, 0, this.bytes, this.length, key.length);
        this.length += key.length;
        this.bytes[this.length++] = '|';
        System.arraycopy(value, 0, this.bytes, this.length, value.length);
        this.length += value.length;
        this.bytes[this.length++] = '\n';
        this.records++;
    }

    public void tombstone(byte[] key) {
        ensureCapacity(key.length + 1);
        System.arraycopy(key, 0, this.bytes, this.length, key.length);
        this.length += key.length;
        this.bytes[this.length++] = '\n';
        this.records++;
    }

    /** The size in bytes of the record that sets {@code key} to {@code value}. */
    public static int putRecordLength(byte[] key, byte[] value) {
        return key.length + 1 + value.length + 1;
    }

    public void tombstone(String key) {
        appendUtf8(key);
        append((byte) '\n');
        this.records++;
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

    /** The size in bytes of the record that sets {@code key} to {@code value}. */
    public static int putRecordLength(String key, String value) {
        return utf8Length(key) + 1 + utf8Length(value) + 1;
    }

    private void appendUtf8(String text) {
        int n = text.length();
        ensureCapacity(n * 3);
        byte[] b = this.bytes;
        int pos = this.length;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                b[pos++] = (byte) c;
            }
            else {
                // Rare: fall back to the JDK encoder for the rest of the string.
                byte[] rest = text.substring(i).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(rest, 0, b, pos, rest.length);
                pos += rest.length;
                break;
            }
        }
        this.length = pos;
    }

    private void append(byte b) {
        ensureCapacity(1);
        this.bytes[this.length++] = b;
    }

    private void ensureCapacity(int extra) {
        if (this.length + extra > this.bytes.length) {
            this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.length + extra));
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
