package io.keystonelight.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.DataFileContent;

/**
 * Records the plain {@code key|value} form cannot hold (binary keys and values, as RESP allows)
 * go to the data file in the escaped form and come back byte for byte.
 */
class EscapedRecordsTest {

    @TempDir
    Path folder;

    /** Replays into a map of hex strings, byte for byte. */
    static class Bytes implements RecordSink {

        final Map<String, String> entries = new LinkedHashMap<>();

        @Override
        public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
            this.entries.put(hex(k, ko, kl), hex(v, vo, vl));
        }

        @Override
        public void remove(byte[] k, int ko, int kl) {
            this.entries.remove(hex(k, ko, kl));
        }

        @Override
        public void clear() {
            this.entries.clear();
        }
    }

    static String hex(byte[] b, int off, int len) {
        return HexFormat.of().formatHex(b, off, off + len);
    }

    static String hex(String utf8) {
        byte[] b = utf8.getBytes(StandardCharsets.UTF_8);
        return hex(b, 0, b.length);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String encoded(RecordBatch batch) {
        return new String(Arrays.copyOf(batch.array(), batch.length()), StandardCharsets.ISO_8859_1);
    }

    @Test
    void eachRecordTakesThePlainFormWhenItCanAndTheEscapedOneOtherwise() {
        RecordBatch batch = new RecordBatch();
        batch.put(utf8("name"), utf8("Ada | Lovelace"));
        batch.put(utf8("café"), utf8("☕\t"));
        batch.tombstone(utf8("name"));
        assertThat(encoded(batch)).isEqualTo(new String(utf8("name|Ada | Lovelace\ncafé|☕\t\nname\n"),
                StandardCharsets.ISO_8859_1));
        batch.clear();
        batch.put(utf8("a|b"), utf8("1\n2"));
        batch.put(new byte[0], utf8("empty key"));
        batch.put(utf8("k"), new byte[] { 'x', (byte) 0xFF, 0, '\r', '%', '|' });
        batch.put(utf8("a b"), utf8("v"));
        batch.put(utf8("tab\tkey"), utf8(""));
        batch.put(utf8("ключ"), utf8("line\nbreak"));
        batch.tombstone(utf8("a b"));
        batch.tombstone(new byte[] { (byte) 0xC0, (byte) 0x80 });
        batch.flushAll();
        assertThat(encoded(batch)).isEqualTo("""
                |set|a%7Cb|1%0A2
                |set||empty key
                |set|k|x%FF%00%0D%25%7C
                |set|a b|v
                |set|tab%09key|
                |set|%D0%BA%D0%BB%D1%8E%D1%87|line%0Abreak
                |del|a b
                |del|%C0%80
                |flush
                """);
        assertThat(batch.recordCount()).isEqualTo(9);
        assertThat(RecordBatch.putRecordLength(utf8("a|b"), 0, 3, utf8("1\n2"), 0, 3))
                .isEqualTo("|set|a%7Cb|1%0A2\n".length());
        assertThat(RecordBatch.putRecordLength(utf8("ab"), 0, 2, utf8("1 2"), 0, 3)).isEqualTo("ab|1 2\n".length());
    }

    @Test
    void randomBinaryRecordsComeBackByteForByteAfterAppendAndReplay() throws IOException {
        Random random = new Random(11);
        Path file = this.folder.resolve("db.txt");
        Map<String, String> expected = new LinkedHashMap<>();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, new Bytes())) {
            for (int group = 0; group < 200; group++) {
                RecordBatch batch = new RecordBatch();
                for (int i = 0; i < 20; i++) {
                    byte[] key = randomBytes(random, random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(12));
                    if (random.nextInt(4) == 0) {
                        batch.tombstone(key);
                        expected.remove(hex(key, 0, key.length));
                    }
                    else {
                        byte[] value = randomBytes(random, random.nextInt(30));
                        batch.put(key, value);
                        expected.put(hex(key, 0, key.length), hex(value, 0, value.length));
                    }
                }
                if (group == 150) {
                    batch.flushAll();
                    expected.clear();
                }
                aof.append(batch);
            }
        }
        Bytes replayed = new Bytes();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, replayed)) {
            assertThat(aof.records()).isEqualTo(200 * 20 + 1);
        }
        assertThat(replayed.entries).isEqualTo(expected);
        // The tests' own reader of data files, which the crash harnesses check records with,
        // reads every form this writer wrote as the record it is.
        assertThat(DataFileContent.records(Files.readAllBytes(file), file))
                .as("records read by DataFileContent").hasSize(200 * 20 + 1)
                .filteredOn(record -> record.kind() == DataFileContent.Kind.FLUSH).hasSize(1);
        // Every line is printable ASCII or the plain form; escaped ones start with '|'.
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("|")) {
                assertThat(line).matches("\\|(set\\|[ -~]*\\|[ -~]*|del\\|[ -~]*|flush)");
                assertThat(line.chars().filter(c -> c == '|').count()).isEqualTo(line.startsWith("|set") ? 3
                        : line.startsWith("|del") ? 2 : 1);
            }
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] b = new byte[length];
        String pick = "ab|%\n\r\0 \t\u00ff";
        for (int i = 0; i < length; i++) {
            b[i] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) pick.charAt(random.nextInt(pick.length()));
        }
        return b;
    }

    @Test
    void aTornEscapedRecordAtTheEndIsCutOffLikeAnyOther() throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.write(file, utf8("a|1\n|set|x%0A|y\n|set|half%0"));
        Bytes sink = new Bytes();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink)) {
            assertThat(aof.records()).isEqualTo(2);
        }
        assertThat(sink.entries).containsExactly(Map.entry(hex("a"), hex("1")), Map.entry(hex("x\n"), hex("y")));
        assertThat(Files.readString(file)).isEqualTo("a|1\n|set|x%0A|y\n");
    }

    @Test
    void aMalformedEscapedRecordIsDamageNamedByLineAndRepairCutsThere() throws IOException {
        String[][] cases = {
                { "|set|onlykey\n", "needs a key and a value" },
                { "|set|k|v|extra\n", "0x7C stands unescaped" },
                { "|del|a|b\n", "0x7C stands unescaped" },
                { "|bogus|x\n", "tag 'bogus' is none of set, del, flush" },
                { "|\n", "tag '' is none of" },
                { "|set|k|50%\n", "two hex digits" },
                { "|set|k|%G1\n", "two hex digits" },
                { "|set|k|caf\u00e9\n", "0xC3 stands unescaped" },
                { "|flush|x\n", "has no fields" } };
        for (String[] c : cases) {
            Path file = this.folder.resolve("db.txt");
            Files.write(file, utf8("a|1\n" + c[0] + "b|2\n"));
            assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Bytes()))
                    .as(c[0]).isInstanceOf(DataFileCorruptException.class)
                    .hasMessageContaining("line 2 (byte offset 4)").hasMessageContaining(c[1]);
        }
        Path file = this.folder.resolve("db.txt");
        Files.write(file, utf8("a|1\n|set|k|%G1\nb|2\n"));
        Bytes sink = new Bytes();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, RepairMode.TRUNCATE, sink,
                FileChannelOpener.DEFAULT)) {
            assertThat(aof.records()).isEqualTo(1);
        }
        assertThat(Files.readString(file)).isEqualTo("a|1\n");
        assertThat(sink.entries).containsExactly(Map.entry(hex("a"), hex("1")));
        try (Stream<Path> files = Files.list(this.folder)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("db.txt.damaged-"))).hasSize(1);
        }
    }

    @Test
    void aStringSinkTakesPlainRecordsAndRefusesOnesThatAreNotUtf8() throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.write(file, utf8("a|1\n|set|b%7Cc|x%0Ay\n|set|k|%FF\n"));
        AppendOnlyFileTest.Collected sink = new AppendOnlyFileTest.Collected();
        assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink))
                .isInstanceOf(DataFileCorruptException.class).hasMessageContaining("line 3")
                .hasMessageContaining("not valid UTF-8");
        assertThat(sink.entries).containsExactly(Map.entry("a", "1"), Map.entry("b|c", "x\ny"));
    }
}
