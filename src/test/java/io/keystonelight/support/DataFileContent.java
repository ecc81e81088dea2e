package io.keystonelight.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.keystonelight.store.Keys;

/**
 * Reads a data file independently of the server's own replay, to check what the server wrote:
 * every line a well-formed record, plain ({@code key|value}, {@code key}) or escaped
 * ({@code |set|key|value}, {@code |del|key}, {@code |flush}, fields with {@code %XX} escapes).
 */
public final class DataFileContent {

    private DataFileContent() {
    }

    /** What one record does. */
    public enum Kind {
        SET, DELETE, FLUSH
    }

    /**
     * One record, its key and value decoded to bytes and read as UTF-8 (a key or value that is
     * not UTF-8 reads with replacement characters, never as some other record's).
     * @param line its line number, from 1
     */
    public record Record(int line, Kind kind, String key, String value) {
    }

    /** The entries the file holds once replayed; fails on anything but whole, well-formed records. */
    public static Map<String, String> replay(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > 0 && bytes[bytes.length - 1] != '\n') {
            throw new AssertionError(file + " does not end with a whole record");
        }
        Map<String, String> entries = new HashMap<>();
        for (Record record : records(bytes, file)) {
            switch (record.kind()) {
                case SET -> entries.put(record.key(), record.value());
                case DELETE -> entries.remove(record.key());
                case FLUSH -> entries.clear();
            }
        }
        return entries;
    }

    /**
     * The whole records of {@code content}, in order; a last line without its line feed (what a
     * crash leaves in the middle of an append) is not one. Fails on a malformed line.
     */
    public static List<Record> records(byte[] content, Path file) {
        List<Record> records = new ArrayList<>();
        int start = 0;
        int lineNumber = 0;
        for (int i = 0; i < content.length; i++) {
            if (content[i] != '\n') {
                continue;
            }
            lineNumber++;
            records.add(content[start] == '|' ? escaped(content, start, i, file, lineNumber)
                    : plain(content, start, i, file, lineNumber));
            start = i + 1;
        }
        return records;
    }

    private static Record plain(byte[] bytes, int start, int end, Path file, int lineNumber) {
        String line = decode(bytes, start, end, file, lineNumber);
        int bar = line.indexOf('|');
        String key = bar < 0 ? line : line.substring(0, bar);
        String problem = Keys.problemWithKey(key);
        if (problem != null) {
            throw new AssertionError(file + " line " + lineNumber + ": " + problem);
        }
        if (bar < 0) {
            return new Record(lineNumber, Kind.DELETE, key, null);
        }
        String value = line.substring(bar + 1);
        if (Keys.problemWithValue(value) != null) {
            throw new AssertionError(file + " line " + lineNumber + ": " + Keys.problemWithValue(value));
        }
        return new Record(lineNumber, Kind.SET, key, value);
    }

    private static Record escaped(byte[] bytes, int start, int end, Path file, int lineNumber) {
        String line = new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
        if (line.equals("|flush")) {
            return new Record(lineNumber, Kind.FLUSH, null, null);
        }
        String[] fields = line.split("\\|", -1);
        if (line.startsWith("|set|") && fields.length == 4) {
            return new Record(lineNumber, Kind.SET, unescape(fields[2], file, lineNumber),
                    unescape(fields[3], file, lineNumber));
        }
        if (line.startsWith("|del|") && fields.length == 3) {
            return new Record(lineNumber, Kind.DELETE, unescape(fields[2], file, lineNumber), null);
        }
        throw new AssertionError(file + " line " + lineNumber + " starts with '|' but is none of |set|key|value, "
                + "|del|key and |flush: " + line);
    }

    private static String unescape(String field, Path file, int lineNumber) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '%' && i + 2 < field.length() && isUpperHex(field.charAt(i + 1))
                    && isUpperHex(field.charAt(i + 2))) {
                bytes.write(Integer.parseInt(field.substring(i + 1, i + 3), 16));
                i += 2;
            }
            else if (c >= 0x20 && c <= 0x7E && c != '%') {
                bytes.write(c);
            }
            else {
                throw new AssertionError(file + " line " + lineNumber + ": an escaped field holds '" + c
                        + "' (code " + (int) c + ") where a printable byte or %XX in upper-case hex was expected: "
                        + field);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static String decode(byte[] bytes, int start, int end, Path file, int lineNumber) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
        }
        catch (CharacterCodingException ex) {
            throw new AssertionError(file + " line " + lineNumber + " is not valid UTF-8");
        }
    }
}
