package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.DataFileContent;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.PowerLossDisk;
import io.keystonelight.support.ServerProcess;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A disk that fails under the packaged server, for real: the data folder on the power-loss file
 * system ({@link PowerLossDisk}), which fails an fsync with {@code EIO} or fills up
 * ({@code ENOSPC}) when told to. The kernel hands the error to the server as any disk's would.
 * Each test ends with a power cut, then checks what the disk kept (the fsync test also restarts
 * the server on it).
 */
class FailingDiskIT extends PowerCuts {

    private static final int KEYS = 200;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @TempDir
    Path folder;

    private Path work;


    @Override
    protected String what() {
        return "failing disk";
    }

    @BeforeEach
    void workFolder() throws IOException {
        this.work = Files.createDirectories(this.folder.resolve("work"));
    }

    private ServerProcess startOnTheDisk() throws IOException {
        this.disk = PowerLossDisk.mount(this.folder.resolve("fs"));
        this.server = ServerProcess.start(this.work,
                "--keystonelight.storage.data-file=" + this.disk.folder().resolve("db.txt"),
                "--keystonelight.storage.fsync=always");
        return this.server;
    }

    private String powerCut() {
        String dropped = this.disk.powerCut(this.server, null);
        this.disk = null;
        this.server.close();
        this.server = null;
        return dropped;
    }

    @Test
    void afterAFailedFsyncWritesAreRefusedReadsGoOnHealthIsDownAndNothingAcknowledgedIsLost() throws Exception {
        ServerProcess first = startOnTheDisk();
        String refusedReply;
        try (LineClient client = first.connect()) {
            for (int i = 0; i < KEYS; i++) {
                assertThat(client.call("set eio:" + i + " value " + i)).isEqualTo("OK");
            }
            assertThat(client.call("del eio:0")).isEqualTo("DELETED 1");

            this.disk.failNextFsyncs(1);
            String refused = client.call("set eio:refused by the disk");
            // The kernel's error, as any disk's: the reply names it.
            assertThat(refused).startsWith("ERR ").contains("Input/output error");
            assertThat(this.disk.log()).contains("failed with EIO, as asked");
            refusedReply = refused;
            first.awaitOutput("Input/output error", Duration.ofSeconds(30));

            // The disk works again, but what it holds is unknown: the server stays refusing.
            assertThat(client.call("set eio:after the failure")).startsWith("ERR ");
            assertThat(client.call("del eio:1")).startsWith("ERR ");
            assertThat(client.call("compact")).startsWith("ERR ");

            assertThat(client.call("get eio:1")).isEqualTo("VALUE value 1");
            assertThat(client.call("get eio:" + (KEYS - 1))).isEqualTo("VALUE value " + (KEYS - 1));
            assertThat(client.call("get eio:refused")).isEqualTo("NOT_FOUND");
            assertThat(client.call("get eio:0")).isEqualTo("NOT_FOUND");

            HttpResponse<String> health = this.http.send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + first.httpPort() + "/actuator/health"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(503);
            JsonNode store = JsonMapper.builder().build().readTree(health.body()).path("components").path("store");
            assertThat(store.path("status").asString()).isEqualTo("DOWN");
            assertThat(store.path("details").path("reason").asString()).containsIgnoringCase("fsync");
        }
        String dropped = powerCut();

        // What the disk kept: every acknowledged write, none of the refused ones.
        Map<String, String> onDisk = DataFileContent.replay(this.folder.resolve("fs").resolve("disk").resolve("db.txt"));
        assertThat(onDisk).hasSize(KEYS - 1).doesNotContainKeys("eio:0", "eio:refused", "eio:after");
        try (ServerProcess restarted = startOnTheDisk(); LineClient client = restarted.connect()) {
            for (int i = 1; i < KEYS; i++) {
                assertThat(client.call("get eio:" + i)).isEqualTo("VALUE value " + i);
            }
            assertThat(client.call("get eio:0")).isEqualTo("NOT_FOUND");
            assertThat(client.call("get eio:refused")).isEqualTo("NOT_FOUND");
            assertThat(client.call("get eio:after")).isEqualTo("NOT_FOUND");
            assertThat(client.call("set eio:after restart")).isEqualTo("OK");
        }
        System.out.println("fsync EIO: " + KEYS + " writes acknowledged, then the file system failed an fsync with "
                + "EIO; the server refused that write ('" + refusedReply + "') and every later one, reads went on, "
                + "health DOWN; after a power cut (" + dropped
                + ") and a restart all " + (KEYS - 1) + " acknowledged keys were there, lost = 0, and no refused write");
    }

    @Test
    void aFullDiskRefusesWritesWithoutHarmAndTheDiskKeepsEveryAcknowledgedWriteAcrossAPowerCut() throws Exception {
        ServerProcess first = startOnTheDisk();
        String padding = "v".repeat(1000);
        int acknowledged = 0;
        String refusal = null;
        try (LineClient client = first.connect()) {
            this.disk.capacity(128 * 1024);
            for (int i = 0; i < 1000 && refusal == null; i++) {
                String reply = client.call("set full:" + i + " " + i + padding);
                if (reply.equals("OK")) {
                    acknowledged++;
                }
                else {
                    refusal = reply;
                }
            }
            assertThat(refusal).startsWith("ERR ").contains("No space left on device");
            assertThat(acknowledged).isGreaterThan(10);
            assertThat(client.call("get full:" + acknowledged)).isEqualTo("NOT_FOUND");
            assertThat(client.call("get full:0")).isEqualTo("VALUE 0" + padding);

            // Compaction needs room for a second copy: refused, the data file left as it was.
            assertThat(client.call("compact")).startsWith("ERR ").contains("No space left on device");
            assertThat(this.disk.folder().resolve("db.txt.rewrite")).doesNotExist();
            assertThat(client.call("ping")).isEqualTo("PONG");

            this.disk.noCapacityLimit();
            assertThat(client.call("set full:after space returned")).isEqualTo("OK");
            assertThat(client.call("del full:0")).isEqualTo("DELETED 1");
        }
        String dropped = powerCut();

        // What the disk kept, read as the server's replay would: every acknowledged write, nothing else.
        Map<String, String> onDisk = DataFileContent.replay(this.folder.resolve("fs").resolve("disk").resolve("db.txt"));
        assertThat(onDisk).hasSize(acknowledged).containsEntry("full:after", "space returned")
                .containsEntry("full:" + (acknowledged - 1), (acknowledged - 1) + padding)
                .doesNotContainKeys("full:0", "full:" + acknowledged);
        for (int i = 1; i < acknowledged; i++) {
            assertThat(onDisk).containsEntry("full:" + i, i + padding);
        }
        System.out.println("disk full: " + acknowledged + " writes acknowledged until the power-loss file system "
                + "(128 KiB) filled; the next got 'ERR ... No space left on device' and was in neither memory nor "
                + "file; compaction refused cleanly; writes accepted again once space returned; after a power cut ("
                + dropped + ") the disk held every acknowledged write and nothing else, lost = 0");
    }
}
