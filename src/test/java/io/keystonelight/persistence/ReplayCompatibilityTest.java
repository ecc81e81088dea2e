package io.keystonelight.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.store.Keys;

/**
 * The byte replay reads every file of the original's format exactly as the string replay did:
 * the same entries, the same torn tail, and the same damaged line.
 */
class ReplayCompatibilityTest {

    private static final String[] KEY_PARTS = { "a", "key", "Z9", "café", "☕", "𝄞", "_-.", "~!@#", "ß" };

    private static final String[] VALUE_PARTS = { "", "x", " ", "\t", "|", "a|b", "ünï", "☕", "𝄞", "\u0001",
            "  spaced  ", "%41", "val" };

    /** What a replay gave: its entries and figures, or the damage it stopped at. */
    private record Outcome(Map<String, String> entries, String result, String damage) {
    }

    @TempDir
    Path folder;

    @Test
    void theByteReplayAgreesWithTheStringReplayOnRandomFilesOfThePlainForm() throws IOException {
        Random random = new Random(20261126);
        int damaged = 0;
        int torn = 0;
        for (int file = 0; file < 400; file++) {
            byte[] content = randomFile(random);
            Path path = this.folder.resolve("db" + file + ".txt");
            Files.write(path, content);
            Outcome legacy = legacy(path);
            Outcome current = current(path);
            assertThat(current).as("file %d: %s", file, new String(content, StandardCharsets.UTF_8)).isEqualTo(legacy);
            damaged += legacy.damage() != null ? 1 : 0;
            torn += legacy.result() != null && !legacy.result().endsWith(" 0") ? 1 : 0;
        }
        // The files covered both damage and torn tails, not just clean files.
        assertThat(damaged).isBetween(50, 350);
        assertThat(torn).isGreaterThan(20);
    }

    @Test
    void aCleanFileWrittenThroughTheBatchIsByteForByteTheOriginalFormat() throws IOException {
        Random random = new Random(5);
        RecordBatch batch = new RecordBatch();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
            String key = randomKey(random);
            if (random.nextInt(5) == 0) {
                batch.tombstone(key.getBytes(StandardCharsets.UTF_8));
                expected.writeBytes((key + "\n").getBytes(StandardCharsets.UTF_8));
            }
            else {
                String value = randomValue(random);
                batch.put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
                expected.writeBytes((key + "|" + value + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(Arrays.copyOf(batch.array(), batch.length())).isEqualTo(expected.toByteArray());
    }

    private static String randomKey(Random random) {
        StringBuilder key = new StringBuilder();
        int parts = 1 + random.nextInt(3);
        for (int i = 0; i < parts; i++) {
            key.append(KEY_PARTS[random.nextInt(KEY_PARTS.length)]);
        }
        return key.toString();
    }

    private static String randomValue(Random random) {
        StringBuilder value = new StringBuilder();
        int parts = random.nextInt(4);
        for (int i = 0; i < parts; i++) {
            value.append(VALUE_PARTS[random.nextInt(VALUE_PARTS.length)]);
        }
        return value.toString();
    }

    private static byte[] randomFile(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int lines = random.nextInt(40);
        for (int i = 0; i < lines; i++) {
            int kind = random.nextInt(100);
            String key = randomKey(random);
            if (kind < 60) {
                out.writeBytes((key + "|" + randomValue(random) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            else if (kind < 85) {
                out.writeBytes((key + "\n").getBytes(StandardCharsets.UTF_8));
            }
            else if (random.nextInt(4) == 0) {
                // Damage of every kind the original named.
                byte[][] bad = { "\n".getBytes(), "a b|1\n".getBytes(), "a\u0001|x\n".getBytes(StandardCharsets.UTF_8),
                        { 'k', '|', (byte) 0xC3, '\n' }, { (byte) 0xFF, '|', 'v', '\n' }, "k|a\rb\n".getBytes(),
                        { 'k', '|', 0, 'x', '\n' }, "del ete\n".getBytes(), { 'k', (byte) 0xE0, (byte) 0x80, (byte) 0x80, '\n' },
                        "k\u00A0|v\n".getBytes(StandardCharsets.UTF_8), "k|\u2028\n".getBytes(StandardCharsets.UTF_8),
                        "k \u0001|\u00FF\n".getBytes(StandardCharsets.ISO_8859_1) };
                out.writeBytes(bad[random.nextInt(bad.length)]);
            }
        }
        int tail = random.nextInt(6);
        if (tail == 0) {
            out.writeBytes(("unfinished|" + randomValue(random)).getBytes(StandardCharsets.UTF_8));
        }
        else if (tail == 1) {
            out.writeBytes(new byte[1 + random.nextInt(300)]);
        }
        return out.toByteArray();
    }

    private Outcome legacy(Path path) throws IOException {
        Map<String, String> entries = new HashMap<>();
        LegacyDataFileReplay.StringSink sink = new LegacyDataFileReplay.StringSink() {

            // The checks the store's sink made on each record.
            @Override
            public void put(String key, String value) {
                String problem = Keys.problemWithKey(key);
                if (problem != null) {
                    throw new IllegalArgumentException("invalid key: " + problem);
                }
                entries.put(key, value);
            }

            @Override
            public void remove(String key) {
                String problem = Keys.problemWithKey(key);
                if (problem != null) {
                    throw new IllegalArgumentException("invalid key in a delete record: " + problem);
                }
                entries.remove(key);
            }
        };
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            LegacyDataFileReplay.Result result = LegacyDataFileReplay.replay(path, channel, sink);
            return new Outcome(entries, result.validLength() + " " + result.records() + " " + result.tornBytes(), null);
        }
        catch (DataFileCorruptException ex) {
            return new Outcome(entries, null, ex.getMessage());
        }
    }

    private Outcome current(Path path) throws IOException {
        Map<String, String> entries = new HashMap<>();
        RecordSink sink = new RecordSink() {

            @Override
            public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
                entries.put(new String(k, ko, kl, StandardCharsets.UTF_8), new String(v, vo, vl, StandardCharsets.UTF_8));
            }

            @Override
            public void remove(byte[] k, int ko, int kl) {
                entries.remove(new String(k, ko, kl, StandardCharsets.UTF_8));
            }
        };
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            DataFileReplay.Result result = DataFileReplay.replay(path, channel, sink);
            return new Outcome(entries, result.validLength() + " " + result.records() + " " + result.tornBytes(), null);
        }
        catch (DataFileCorruptException ex) {
            return new Outcome(entries, null, ex.getMessage());
        }
    }
}
