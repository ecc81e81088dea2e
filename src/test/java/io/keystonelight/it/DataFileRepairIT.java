package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

/**
 * {@code --keystonelight.storage.repair=truncate} on the packaged server: given once, it cuts a
 * damaged data file at the damaged line, keeps the original, and says what was dropped. (Without
 * it the start is refused: see {@code StartupIT}.)
 */
class DataFileRepairIT {

    private static final String DAMAGED = "a|1\nb|2\nbad key|3\nc|4\n";

    @TempDir
    Path folder;

    @Test
    void aDamagedFileIsRepairedWhenAskedKeepingTheOriginal() throws IOException {
        Files.writeString(this.folder.resolve("db.txt"), DAMAGED, StandardCharsets.UTF_8);
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.repair=truncate");
                LineClient client = server.connect()) {
            assertThat(server.output()).contains("Repaired data file db.txt as asked")
                    .contains("damaged at line 3 (byte offset 8): invalid key: the key contains whitespace")
                    .contains("2 records kept, 2 lines dropped (line 3 to the end");
            assertThat(client.call("get a")).isEqualTo("VALUE 1");
            assertThat(client.call("get b")).isEqualTo("VALUE 2");
            assertThat(client.call("get c")).isEqualTo("NOT_FOUND");
            assertThat(client.call("set d 4")).isEqualTo("OK");
        }
        List<Path> backups;
        try (Stream<Path> files = Files.list(this.folder)) {
            backups = files.filter(file -> file.getFileName().toString().startsWith("db.txt.damaged-")).toList();
        }
        assertThat(backups).hasSize(1);
        assertThat(Files.readString(backups.get(0))).isEqualTo(DAMAGED);
        assertThat(Files.readString(this.folder.resolve("db.txt"))).isEqualTo("a|1\nb|2\nd|4\n");
    }
}
