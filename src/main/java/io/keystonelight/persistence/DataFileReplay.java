package io.keystonelight.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a data file from the start and hands each record to a {@link RecordSink}, as Redis
 * loads its append-only file: the last record of a key wins.
 *
 * <p>A last line without its newline, or a tail of NUL bytes, is what a crash or power loss
 * leaves behind in the middle of an append; it was never acknowledged, so it is reported as a
 * torn tail for the caller to cut off. Any other malformed line means the file is damaged and
 * stops the replay with {@link DataFileCorruptException}.
 */
final class DataFileReplay {

    /** What a replay found: where the whole records end, and how many there were. */
    record Result(long validLength, long records, long tornBytes) {
    }

    private static final int CHUNK = 1 << 20;

    private final Path file;

    private final RecordSink sink;

    /** Scratch space for the fields of escaped records. */
    private byte[] key = new byte[256];

    private byte[] value = new byte[256];

    private long lineNumber;

    private DataFileReplay(Path file, RecordSink sink) {
        this.file = file;
        this.sink = sink;
    }

    static Result replay(Path file, FileChannel channel, RecordSink sink) throws IOException {
        try {
            return new DataFileReplay(file, sink).run(channel);
        }
        finally {
            // Also before a damaged line is reported: a repair keeps what the sink holds.
            sink.finished();
        }
    }

    private Result run(FileChannel channel) throws IOException {
        this.sink.expectBytes(channel.size());
        byte[] buf = new byte[CHUNK];
        int filled = 0;
        long bufferStartOffset = 0;
        long records = 0;
        long position = 0;
        int scanFrom = 0;
        while (true) {
            if (filled == buf.length) {
                // A record longer than the buffer: make room for the rest of it.
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int read = channel.read(ByteBuffer.wrap(buf, filled, buf.length - filled), position);
            if (read < 0) {
                break;
            }
            position += read;
            filled += read;
            int lineStart = 0;
            for (int i = scanFrom; i < filled; i++) {
                if (buf[i] == '\n') {
                    this.lineNumber++;
                    replayLine(buf, lineStart, i, bufferStartOffset + lineStart);
                    records++;
                    lineStart = i + 1;
                }
            }
            // Keep the unfinished line at the front of the buffer.
            System.arraycopy(buf, lineStart, buf, 0, filled - lineStart);
            bufferStartOffset += lineStart;
            filled -= lineStart;
            scanFrom = filled;
        }
        return new Result(bufferStartOffset, records, filled);
    }

    private void replayLine(byte[] buf, int start, int end, long offset) {
        if (start == end) {
            throw damaged(offset, "empty line");
        }
        int bar = -1;
        for (int i = start; i < end; i++) {
            byte b = buf[i];
            if (b == 0) {
                throw damaged(offset, "NUL byte inside a record");
            }
            if (b == '\r') {
                throw damaged(offset, "carriage return inside a record");
            }
            if (b == '|' && bar < 0) {
                bar = i;
            }
        }
        try {
            if (bar == start) {
                replayEscaped(buf, start, end, offset);
            }
            else if (bar < 0) {
                checkPlainKey(buf, start, end, offset, "invalid key in a delete record: ");
                this.sink.remove(buf, start, end - start);
            }
            else {
                // In the order the original checked: the key's UTF-8, the value's, then the key's characters.
                String keyProblem = RecordFormat.plainKeyProblem(buf, start, bar - start);
                if (keyProblem != null && keyProblem.endsWith("UTF-8")) {
                    throw damaged(offset, "not valid UTF-8");
                }
                if (!RecordFormat.validUtf8(buf, bar + 1, end)) {
                    throw damaged(offset, "not valid UTF-8");
                }
                if (keyProblem != null) {
                    throw damaged(offset, "invalid key: " + keyProblem);
                }
                this.sink.put(buf, start, bar - start, buf, bar + 1, end - bar - 1);
            }
        }
        catch (IllegalArgumentException ex) {
            throw damaged(offset, ex.getMessage());
        }
    }

    private void checkPlainKey(byte[] buf, int start, int end, long offset, String prefix) {
        String problem = RecordFormat.plainKeyProblem(buf, start, end - start);
        if (problem != null) {
            throw damaged(offset, problem.endsWith("UTF-8") ? "not valid UTF-8" : prefix + problem);
        }
    }

    /** A line that starts with '|': {@code |set|key|value}, {@code |del|key} or {@code |flush}. */
    private void replayEscaped(byte[] buf, int start, int end, long offset) {
        int tagEnd = indexOfBar(buf, start + 1, end);
        if (matches(buf, start, tagEnd, RecordFormat.FLUSH)) {
            if (tagEnd != end) {
                throw damaged(offset, "a flush record (|flush) has no fields");
            }
            this.sink.clear();
        }
        else if (matches(buf, start, tagEnd + 1, RecordFormat.SET_TAG)) {
            int keyEnd = indexOfBar(buf, tagEnd + 1, end);
            if (keyEnd == end) {
                throw damaged(offset, "an escaped set record needs a key and a value: |set|<key>|<value>");
            }
            int keyLength = unescape(buf, tagEnd + 1, keyEnd, true, offset);
            int valueLength = unescape(buf, keyEnd + 1, end, false, offset);
            this.sink.put(this.key, 0, keyLength, this.value, 0, valueLength);
        }
        else if (matches(buf, start, tagEnd + 1, RecordFormat.DELETE_TAG)) {
            int keyLength = unescape(buf, tagEnd + 1, end, true, offset);
            this.sink.remove(this.key, 0, keyLength);
        }
        else {
            String tag = new String(buf, start + 1, tagEnd - start - 1, StandardCharsets.ISO_8859_1);
            if (!tag.equals(RecordFormat.GROUP) && !RecordFormat.OPERATION_TAGS.contains(tag)) {
                throw damaged(offset, "a line that starts with '|' is an escaped record, yet its tag '"
                        + tag.substring(0, Math.min(tag.length(), 20)) + "' is none of set, del, flush, "
                        + RecordFormat.GROUP + ", " + String.join(", ", new java.util.TreeSet<>(RecordFormat.OPERATION_TAGS)));
            }
            java.util.List<byte[]> fields = new java.util.ArrayList<>();
            int from = tagEnd + 1;
            while (from <= end && tagEnd != end) {
                int fieldEnd = indexOfBar(buf, from, end);
                int length = unescape(buf, from, fieldEnd, false, offset);
                fields.add(Arrays.copyOf(this.value, length));
                from = fieldEnd + 1;
            }
            if (tag.equals(RecordFormat.GROUP)) {
                for (byte[] record : fields) {
                    replayLine(record, 0, record.length, offset);
                }
            }
            else {
                this.sink.operation(tag, fields);
            }
        }
    }

    private static int indexOfBar(byte[] buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf[i] == '|') {
                return i;
            }
        }
        return end;
    }

    private static boolean matches(byte[] buf, int start, int end, byte[] expected) {
        return end - start == expected.length && Arrays.equals(buf, start, end, expected, 0, expected.length);
    }

    /** Decodes an escaped field into {@link #key} or {@link #value}; returns its length. */
    private int unescape(byte[] buf, int from, int to, boolean intoKey, long offset) {
        byte[] out = intoKey ? this.key : this.value;
        if (out.length < to - from) {
            out = new byte[Math.max(to - from, out.length * 2)];
            if (intoKey) {
                this.key = out;
            }
            else {
                this.value = out;
            }
        }
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = buf[i];
            if (b == '%') {
                int high = i + 2 < to ? Character.digit(buf[i + 1], 16) : -1;
                int low = high >= 0 ? Character.digit(buf[i + 2], 16) : -1;
                if (low < 0) {
                    throw damaged(offset, "'%' in an escaped record must be followed by two hex digits");
                }
                out[n++] = (byte) (high << 4 | low);
                i += 2;
            }
            else if (RecordFormat.literal(b)) {
                out[n++] = b;
            }
            else {
                throw damaged(offset, String.format("byte 0x%02X stands unescaped in an escaped record (%s)",
                        b & 0xFF, b == '|' ? "a field holds a '|', or the record has a field too many"
                                : "expected %XX"));
            }
        }
        return n;
    }

    private DataFileCorruptException damaged(long offset, String problem) {
        return new DataFileCorruptException(this.file, this.lineNumber, offset, problem);
    }
}
