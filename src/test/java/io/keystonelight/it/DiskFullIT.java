package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ChildProcess;
import io.keystonelight.support.DataFileContent;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.Needs;
import io.keystonelight.support.ServerProcess;

/**
 * A real full disk: the data file on a small tmpfs mounted for the test. Mounting needs root;
 * where it cannot be done the test is skipped and says why (the same behaviour is covered with a
 * simulated disk in the store's tests).
 */
class DiskFullIT {

    private static final String DISK_SIZE = "256k";

    @TempDir
    Path folder;

    private Path disk;

    private boolean mounted;

    @BeforeEach
    void mountASmallDisk() throws Exception {
        this.disk = this.folder.resolve("small-disk");
        Files.createDirectories(this.disk);
        String[] mount = { "mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE + ",mode=0700", "keystonelight-test",
                this.disk.toString() };
        String failure = run(mount);
        Needs.require(failure == null, () -> "disk full: a " + DISK_SIZE + " tmpfs cannot be mounted here (it needs "
                + "root): " + failure);
        this.mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (this.mounted && run("umount", this.disk.toString()) != null) {
            run("umount", "-l", this.disk.toString());
        }
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... command) {
        return ChildProcess.of(command).problem(Duration.ofSeconds(30));
    }

    @Test
    void aFullDiskRefusesWritesWithoutHarmAndTheServerRecoversWhenSpaceReturns() throws IOException {
        Path dataFile = this.disk.resolve("db.txt");
        Path filler = this.disk.resolve("filler");
        Files.write(filler, new byte[64 * 1024]);
        String padding = "v".repeat(1000);
        int acknowledged = 0;
        String refusal = null;
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.data-file=" + dataFile);
                LineClient client = server.connect()) {
            for (int i = 0; i < 1000 && refusal == null; i++) {
                String reply = client.call("set full:" + i + " " + i + padding);
                if (reply.equals("OK")) {
                    acknowledged++;
                }
                else {
                    refusal = reply;
                }
            }
            assertThat(refusal).startsWith("ERR write not persisted, nothing was changed: could not write to data file")
                    .endsWith("No space left on device");
            assertThat(acknowledged).isGreaterThan(10);

            // Memory and file agree: the refused write is in neither, everything before it in both.
            assertThat(client.call("get full:" + acknowledged)).isEqualTo("NOT_FOUND");
            assertThat(client.call("get full:0")).isEqualTo("VALUE 0" + padding);
            Map<String, String> inFile = DataFileContent.replay(dataFile);
            assertThat(inFile).hasSize(acknowledged).containsEntry("full:" + (acknowledged - 1),
                    (acknowledged - 1) + padding);

            // Compaction needs room for a second copy: refused, and the data file is left as it was.
            long size = Files.size(dataFile);
            assertThat(client.call("compact")).startsWith("ERR compaction failed, the data file is unchanged")
                    .endsWith("No space left on device");
            assertThat(Files.size(dataFile)).isEqualTo(size);
            assertThat(this.disk.resolve("db.txt.rewrite")).doesNotExist();
            assertThat(client.call("ping")).isEqualTo("PONG");

            Files.delete(filler);
            assertThat(client.call("set full:after space returned")).isEqualTo("OK");
            assertThat(client.call("del full:0")).isEqualTo("DELETED 1");
        }
        Map<String, String> afterwards = DataFileContent.replay(dataFile);
        assertThat(afterwards).hasSize(acknowledged).containsEntry("full:after", "space returned")
                .doesNotContainKeys("full:0", "full:" + acknowledged);
        System.out.println("disk full: " + acknowledged + " writes acknowledged until a " + DISK_SIZE + " tmpfs "
                + "filled; the next got 'ERR ... No space left on device' and was in neither memory nor file; "
                + "compaction refused cleanly; writes accepted again once space was freed");
    }
}
