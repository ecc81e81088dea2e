package io.keystonelight.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.FaultyDisk;

class AppendOnlyFileTest {

    @TempDir
    Path folder;

    /** Replays into a map, as the store does, and keeps the order of events. */
    static class Collected implements RecordSink {

        final Map<String, String> entries = new LinkedHashMap<>();

        final List<String> events = new ArrayList<>();

        @Override
        public void put(String key, String value) {
            this.entries.put(key, value);
            this.events.add("put " + key + "=" + value);
        }

        @Override
        public void remove(String key) {
            this.entries.remove(key);
            this.events.add("remove " + key);
        }
    }

    private Path dataFile(String content) throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private Path dataFile(byte[] content) throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.write(file, content);
        return file;
    }

    @Test
    void replaysRecordsInOrderAndTheLastRecordOfAKeyWins() throws IOException {
        Path file = dataFile("a|1\nb|x|y\na|2\nb\nc|\n");
        Collected sink = new Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink)) {
            assertThat(aof.records()).isEqualTo(5);
            assertThat(aof.size()).isEqualTo(Files.size(file));
        }
        assertThat(sink.events).containsExactly("put a=1", "put b=x|y", "put a=2", "remove b", "put c=");
        assertThat(sink.entries).containsExactly(Map.entry("a", "2"), Map.entry("c", ""));
    }

    /**
     * A rewrite's snapshot reaches the disk a few megabytes at a time while it is written, so that
     * the fsync before the switch, and the disk under the writers' appends, never take it all at once.
     */
    @Test
    void aRewriteFsyncsItsSnapshotAsItGoes() throws IOException {
        Path file = this.folder.resolve("db.txt");
        FaultyDisk disk = new FaultyDisk();
        String value = "v".repeat(1000);
        int keys = 0;
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, new Collected(), disk)) {
            AppendOnlyFile.Rewrite rewrite = aof.beginRewrite();
            int fsyncsBefore = disk.fsyncCount();
            RecordBatch part = new RecordBatch();
            long written = 0;
            for (int parts = 1; parts <= 3; parts++) {
                while (part.length() < AppendOnlyFile.REWRITE_INCREMENTAL_FSYNC_BYTES) {
                    part.put("k" + keys++, value);
                }
                rewrite.write(part);
                written += part.length();
                part.clear();
                assertThat(disk.fsyncCount() - fsyncsBefore)
                        .as("fsyncs of the new file after %d bytes of snapshot were written in parts of at least %d",
                                written, AppendOnlyFile.REWRITE_INCREMENTAL_FSYNC_BYTES)
                        .isEqualTo(parts);
            }
            rewrite.syncSnapshot();
            rewrite.finish();
        }
        Collected replayed = new Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, replayed)) {
            assertThat(aof.records()).isEqualTo(keys);
        }
        assertThat(replayed.entries).hasSize(keys).containsEntry("k0", value).containsEntry("k" + (keys - 1), value);
    }

    @Test
    void createsAMissingFile() throws IOException {
        Path file = this.folder.resolve("sub/dir/db.txt");
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected())) {
            assertThat(aof.size()).isZero();
        }
        assertThat(file).exists().isEmptyFile();
    }

    @Test
    void appendsRecordsInTheFileFormat() throws IOException {
        Path file = this.folder.resolve("db.txt");
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected())) {
            RecordBatch batch = new RecordBatch();
            batch.put("name", "Ada | Lovelace");
            batch.tombstone("temp");
            batch.put("café", "☕");
            aof.append(batch);
            assertThat(aof.records()).isEqualTo(3);
            assertThat(aof.size()).isEqualTo(Files.size(file));
        }
        assertThat(Files.readString(file)).isEqualTo("name|Ada | Lovelace\ntemp\ncafé|☕\n");
    }

    @Test
    void aLastLineWithoutItsNewlineIsCutOffAsATornWrite() throws IOException {
        Path file = dataFile("a|1\nb|2\nc|partial");
        Collected sink = new Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink)) {
            assertThat(aof.size()).isEqualTo(8);
            RecordBatch batch = new RecordBatch();
            batch.put("d", "4");
            aof.append(batch);
        }
        assertThat(sink.entries).containsOnlyKeys("a", "b");
        assertThat(Files.readString(file)).isEqualTo("a|1\nb|2\nd|4\n");
    }

    @Test
    void aTailOfNulBytesIsCutOffAsATornWrite() throws IOException {
        byte[] content = new byte[4 + 16];
        System.arraycopy("a|1\n".getBytes(StandardCharsets.US_ASCII), 0, content, 0, 4);
        Path file = dataFile(content);
        Collected sink = new Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink)) {
            assertThat(aof.size()).isEqualTo(4);
        }
        assertThat(sink.entries).containsExactly(Map.entry("a", "1"));
        assertThat(Files.size(file)).isEqualTo(4);
    }

    @Test
    void aRecordCutShortAndFollowedByNulsIsCutOffToo() throws IOException {
        byte[] content = "a|1\nb|2".getBytes(StandardCharsets.US_ASCII);
        byte[] withNuls = new byte[content.length + 100];
        System.arraycopy(content, 0, withNuls, 0, content.length);
        Path file = dataFile(withNuls);
        Collected sink = new Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink)) {
            assertThat(aof.size()).isEqualTo(4);
        }
        assertThat(sink.entries).containsOnlyKeys("a");
    }

    @Test
    void aMalformedLineInTheMiddleStopsTheStartNamingFileAndLine() throws IOException {
        Path file = dataFile("a|1\nb|2\n\nc|3\n");
        assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected()))
                .isInstanceOfSatisfying(DataFileCorruptException.class, ex -> {
                    assertThat(ex.lineNumber()).isEqualTo(3);
                    assertThat(ex.byteOffset()).isEqualTo(8);
                })
                .hasMessageContaining("data file " + file + " is damaged at line 3 (byte offset 8): empty line");
        assertThat(Files.readString(file)).as("a damaged file is left as it was").isEqualTo("a|1\nb|2\n\nc|3\n");
    }

    @Test
    void nulBytesInsideARecordAreDamageNotATornWrite() throws IOException {
        Path file = dataFile("a|1\nb|\0\0\nc|3\n");
        assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected()))
                .hasMessageContaining("line 2").hasMessageContaining("NUL byte inside a record");
    }

    @Test
    void invalidUtf8IsDamage() throws IOException {
        Path file = dataFile(new byte[] { 'a', '|', (byte) 0xFF, '\n' });
        assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected()))
                .hasMessageContaining("line 1").hasMessageContaining("not valid UTF-8");
    }

    @Test
    void aRecordTheSinkRejectsIsDamageWithItsReason() throws IOException {
        Path file = dataFile("ok|1\nbad key|2\n");
        RecordSink strict = new Collected() {
            @Override
            public void put(String key, String value) {
                if (key.contains(" ")) {
                    throw new IllegalArgumentException("invalid key: the key contains whitespace");
                }
                super.put(key, value);
            }
        };
        assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, strict))
                .hasMessageContaining("line 2").hasMessageContaining("invalid key: the key contains whitespace");
    }

    @Test
    void recordsLongerThanTheReadBufferAreReplayed() throws IOException {
        String big = "v".repeat(3 << 20);
        Path file = dataFile("a|1\nbig|" + big + "\nb|2\n");
        Collected sink = new Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, sink)) {
            assertThat(aof.records()).isEqualTo(3);
        }
        assertThat(sink.entries.get("big")).hasSize(3 << 20);
        assertThat(sink.entries).containsKeys("a", "b");
    }

    @Test
    void aSecondOpenOfTheSameFileIsRefusedWhileTheFirstHoldsIt() throws IOException {
        Path file = this.folder.resolve("db.txt");
        try (AppendOnlyFile first = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected())) {
            assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected()))
                    .isInstanceOf(DataFileLockedException.class)
                    .hasMessageContaining("is already in use by another KeystoneLight server");
        }
        try (AppendOnlyFile again = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, new Collected())) {
            assertThat(again.size()).isZero();
        }
    }
}
