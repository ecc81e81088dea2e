package io.keystonelight.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.keystonelight.store.Keys;

/**
 * Reads a data file independently of the server's own replay, to check what the server wrote:
 * every line a well-formed record, the file ending with a whole record.
 */
public final class DataFileContent {

    private DataFileContent() {
    }

    /** The entries the file holds once replayed; fails on anything but whole, well-formed records. */
    public static Map<String, String> replay(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > 0 && bytes[bytes.length - 1] != '\n') {
            throw new AssertionError(file + " does not end with a whole record");
        }
        Map<String, String> entries = new HashMap<>();
        int start = 0;
        int lineNumber = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            lineNumber++;
            String line = decode(bytes, start, i, file, lineNumber);
            start = i + 1;
            int bar = line.indexOf('|');
            String key = bar < 0 ? line : line.substring(0, bar);
            String problem = Keys.problemWithKey(key);
            if (problem != null) {
                throw new AssertionError(file + " line " + lineNumber + ": " + problem);
            }
            if (bar < 0) {
                entries.remove(key);
            }
            else {
                String value = line.substring(bar + 1);
                if (Keys.problemWithValue(value) != null) {
                    throw new AssertionError(file + " line " + lineNumber + ": " + Keys.problemWithValue(value));
                }
                entries.put(key, value);
            }
        }
        return entries;
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
