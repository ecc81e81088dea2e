package io.keystonelight.persistence;

import java.nio.charset.StandardCharsets;

/**
 * The data file's two forms of a record, byte for byte.
 *
 * <p><b>Plain form</b>, the original's: {@code key|value\n} sets a key, {@code key\n} deletes it.
 * It holds a record whose key is 1 or more bytes of UTF-8 without {@code |}, whitespace or control
 * characters, and whose value is UTF-8 without CR, LF or NUL. Every record it can hold is written
 * in it.
 *
 * <p><b>Escaped form</b>, for every other record (binary keys and values, possible over RESP): the
 * line starts with {@code |}, which no plain line can (no plain key is empty or holds {@code |}),
 * then a tag, then the fields, each after a {@code |}:
 * <ul>
 * <li>{@code |set|<key>|<value>} sets a key;</li>
 * <li>{@code |del|<key>} deletes it;</li>
 * <li>{@code |flush} deletes every key;</li>
 * <li>the records of other types, deadlines and renames, {@code |<tag>|<field>|<field>...} with
 * one of {@link #OPERATION_TAGS} (the README lists each form);</li>
 * <li>{@code |tx|<record>|<record>...}: several records that hold together (one write's, or one
 * transaction's), each an escaped field; one line, so a crash keeps all of them or none.</li>
 * </ul>
 * In a field, the bytes from {@code 0x20} (space) to {@code 0x7E} stand for themselves, except
 * {@code %} and {@code |}; every other byte is written {@code %XX}, two upper-case hex digits. So
 * an escaped line is printable ASCII, and a key {@code a|b} with the value {@code 1\n2} is written
 * {@code |set|a%7Cb|1%0A2}.
 */
public final class RecordFormat {

    static final byte[] SET_TAG = "|set|".getBytes(StandardCharsets.US_ASCII);

    static final byte[] DELETE_TAG = "|del|".getBytes(StandardCharsets.US_ASCII);

    static final byte[] FLUSH = "|flush".getBytes(StandardCharsets.US_ASCII);

    static final String GROUP = "tx";

    /** The tags of the records of other types than strings, deadlines and renames; never reused. */
    public static final java.util.Set<String> OPERATION_TAGS = java.util.Set.of("setat", "pexpireat", "persist",
            "rename", "hset", "hdel", "lpush", "rpush", "lpop", "rpop", "lset", "linsert", "lremat", "ltrim", "sadd",
            "srem", "zadd", "zrem");

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private RecordFormat() {
    }

    /** Whether the byte stands for itself in an escaped field. */
    static boolean literal(byte b) {
        return b >= 0x20 && b <= 0x7E && b != '%' && b != '|';
    }

    /** Writes the field escaped into {@code out} at {@code at}; returns the end. {@code out} has room for 3 bytes a byte. */
    static int escape(byte[] src, int off, int len, byte[] out, int at) {
        int p = at;
        for (int i = off, end = off + len; i < end; i++) {
            byte b = src[i];
            if (literal(b)) {
                out[p++] = b;
            }
            else {
                out[p++] = '%';
                out[p++] = HEX[(b >> 4) & 0xF];
                out[p++] = HEX[b & 0xF];
            }
        }
        return p;
    }

    static int escapedLength(byte[] src, int off, int len) {
        int n = len;
        for (int i = off, end = off + len; i < end; i++) {
            if (!literal(src[i])) {
                n += 2;
            }
        }
        return n;
    }

    /**
     * Why the bytes cannot be a key of the plain form, or {@code null} if they can. The same rule
     * as the text protocol's, on bytes: 1 or more bytes of UTF-8 without {@code |}, whitespace
     * or control characters. (The length limit is the store's, not the format's.)
     */
    public static String plainKeyProblem(byte[] b, int off, int len) {
        if (len == 0) {
            return "the key is empty";
        }
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i];
            if (c >= 0x21 && c <= 0x7E) {
                if (c == '|') {
                    return "the key contains '|'";
                }
                i++;
                continue;
            }
            int codePoint;
            if (c >= 0) {
                codePoint = c;
                i++;
            }
            else {
                long decoded = decodeCodePoint(b, i, end);
                if (decoded < 0) {
                    return "the key is not valid UTF-8";
                }
                codePoint = (int) decoded;
                i += (int) (decoded >>> 32);
            }
            if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
                return "the key contains whitespace";
            }
            if (Character.isISOControl(codePoint)) {
                return "the key contains a control character";
            }
        }
        return null;
    }

    /** Whether the bytes can be a value of the plain form: UTF-8 without CR, LF or NUL. */
    public static boolean isPlainValue(byte[] b, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c == '\n' || c == '\r' || c == 0) {
                return false;
            }
            if (c < 0) {
                return validUtf8(b, i, end) && noLineBreakOrNul(b, i, end);
            }
        }
        return true;
    }

    private static boolean noLineBreakOrNul(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            byte c = b[i];
            if (c == '\n' || c == '\r' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
    public static boolean validUtf8(byte[] b, int off, int end) {
        int i = off;
        while (i < end) {
            if (b[i] >= 0) {
                i++;
                continue;
            }
            long decoded = decodeCodePoint(b, i, end);
            if (decoded < 0) {
                return false;
            }
            i += (int) (decoded >>> 32);
        }
        return true;
    }

    /**
     * Decodes the multi-byte sequence at {@code i}: the code point in the low 32 bits and the
     * sequence's length in the high ones, or -1 if it is not well-formed.
     */
    private static long decodeCodePoint(byte[] b, int i, int end) {
        int lead = b[i] & 0xFF;
        int length;
        int min;
        int cp;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            min = 0x80;
            cp = lead & 0x1F;
        }
        else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            min = 0x800;
            cp = lead & 0x0F;
        }
        else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            min = 0x10000;
            cp = lead & 0x07;
        }
        else {
            return -1;
        }
        if (i + length > end) {
            return -1;
        }
        for (int k = 1; k < length; k++) {
            int c = b[i + k] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1;
        }
        return ((long) length << 32) | cp;
    }

    /** Decodes well-formed UTF-8 to a string, or throws {@link IllegalArgumentException}. */
    static String utf8(byte[] b, int off, int len) {
        if (!validUtf8(b, off, off + len)) {
            throw new IllegalArgumentException("not valid UTF-8");
        }
        return new String(b, off, len, StandardCharsets.UTF_8);
    }
}
