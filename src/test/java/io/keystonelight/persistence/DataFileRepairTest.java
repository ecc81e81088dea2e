package io.keystonelight.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keystonelight.storage.repair=truncate}: a damaged file is cut at its damaged line, only
 * on request, and only after a copy of the whole file is kept.
 */
class DataFileRepairTest {

    private static final String DAMAGED = "a|1\nb|2\n\nc|3\nd|4\ne|unfinish";

    @TempDir
    Path folder;

    private Path damagedFile() throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.writeString(file, DAMAGED, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void withoutRepairADamagedFileIsRefusedAndLeftAsItWas() throws IOException {
        Path file = damagedFile();
        assertThatThrownBy(() -> AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, RepairMode.NONE,
                new AppendOnlyFileTest.Collected(), FileChannelOpener.DEFAULT))
                .isInstanceOf(DataFileCorruptException.class).hasMessageContaining("line 3");
        assertThat(Files.readString(file)).isEqualTo(DAMAGED);
        assertThat(backups()).isEmpty();
    }

    @Test
    void repairCutsTheFileAtTheDamagedLineAndKeepsACopyOfTheWholeFile() throws IOException {
        Path file = damagedFile();
        AppendOnlyFileTest.Collected sink = new AppendOnlyFileTest.Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, RepairMode.TRUNCATE, sink,
                FileChannelOpener.DEFAULT)) {
            assertThat(aof.records()).isEqualTo(2);
            assertThat(aof.size()).isEqualTo(8);
            RecordBatch batch = new RecordBatch();
            batch.put("f", "5");
            aof.append(batch);
        }
        assertThat(sink.entries).containsOnlyKeys("a", "b");
        assertThat(Files.readString(file)).isEqualTo("a|1\nb|2\nf|5\n");
        List<Path> backups = backups();
        assertThat(backups).hasSize(1);
        assertThat(backups.get(0).getFileName().toString()).startsWith("db.txt.damaged-");
        assertThat(Files.readString(backups.get(0))).isEqualTo(DAMAGED);
        // The data file here is readable by all (written by hand); the copy of every value is not.
        assertThat(Files.getPosixFilePermissions(file)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(backups.get(0))))
                .as("permissions of the damaged file's copy").isEqualTo("rw-------");

        AppendOnlyFileTest.Collected again = new AppendOnlyFileTest.Collected();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, again)) {
            assertThat(aof.records()).as("the repaired file opens without repair").isEqualTo(3);
        }
    }

    @Test
    void repairOfAnUndamagedFileChangesNothing() throws IOException {
        Path file = this.folder.resolve("db.txt");
        Files.writeString(file, "a|1\nb|2\n");
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.ALWAYS, RepairMode.TRUNCATE,
                new AppendOnlyFileTest.Collected(), FileChannelOpener.DEFAULT)) {
            assertThat(aof.records()).isEqualTo(2);
        }
        assertThat(Files.readString(file)).isEqualTo("a|1\nb|2\n");
        assertThat(backups()).isEmpty();
    }

    private List<Path> backups() throws IOException {
        try (Stream<Path> files = Files.list(this.folder)) {
            return files.filter(path -> path.getFileName().toString().contains(".damaged-")).toList();
        }
    }
}
