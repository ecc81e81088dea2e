package io.keystonelight.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The replay as it was before records were handled as bytes: the reference that the byte replay
 * must agree with on every file of the plain form.
 */
final class LegacyDataFileReplay {

    /** The string sink of the old replay. */
    interface StringSink {

        void put(String key, String value);

        void remove(String key);
    }

    /** What a replay found: where the whole records end, and how many there were. */
    record Result(long validLength, long records, long tornBytes) {
    }

    private static final int CHUNK = 1 << 20;

    private final Path file;

    private final StringSink sink;

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();

    private long lineNumber;

    private LegacyDataFileReplay(Path file, StringSink sink) {
        this.file = file;
        this.sink = sink;
    }

    static Result replay(Path file, FileChannel channel, StringSink sink) throws IOException {
        return new LegacyDataFileReplay(file, sink).run(channel);
    }

    private Result run(FileChannel channel) throws IOException {
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
            if (bar < 0) {
                this.sink.remove(decode(buf, start, end, offset));
            }
            else {
                this.sink.put(decode(buf, start, bar, offset), decode(buf, bar + 1, end, offset));
            }
        }
        catch (IllegalArgumentException ex) {
            throw damaged(offset, ex.getMessage());
        }
    }

    private String decode(byte[] buf, int start, int end, long offset) {
        boolean ascii = true;
        for (int i = start; i < end; i++) {
            if (buf[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
        }
        try {
            CharBuffer chars = this.utf8.decode(ByteBuffer.wrap(buf, start, end - start));
            return chars.toString();
        }
        catch (CharacterCodingException ex) {
            throw damaged(offset, "not valid UTF-8");
        }
    }

    private DataFileCorruptException damaged(long offset, String problem) {
        return new DataFileCorruptException(this.file, this.lineNumber, offset, problem);
    }
}
