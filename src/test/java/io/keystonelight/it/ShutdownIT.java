package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.Load;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerProcess;

/**
 * How the packaged server stops: the PID file, and what happens to requests in flight on SIGTERM.
 */
class ShutdownIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path folder;

    @Test
    void thePidFileHoldsTheServingJvmAndGoesAwayLastOnSigterm() throws IOException {
        Path pidFile = this.folder.resolve("keystonelight.pid");
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            assertThat(Files.readString(pidFile, StandardCharsets.US_ASCII)).isEqualTo(server.pid() + "\n");
            server.signal("TERM");
            assertThat(server.awaitExit(WAIT)).isIn(0, 143);
            assertThat(pidFile).doesNotExist();
            String output = server.output();
            assertThat(output).containsSubsequence("Shutting down: no longer accepting connections",
                    "Closed data file db.txt (all writes on disk); lock released", "Removed " + pidFile);
            // A clean stop says nothing alarming; each start and stop is logged once.
            assertThat(output.lines().filter(line -> line.matches("\\S+\\s+(ERROR|WARN)\\s.*")))
                    .as("ERROR and WARN lines of a clean start and stop").isEmpty();
            assertThat(output.lines().filter(line -> line.contains("started bean 'requestConnectionFactory'")))
                    .as("lines saying the connection factory started").hasSizeLessThanOrEqualTo(1);
            assertThat(output.lines().filter(line -> line.contains("stopped bean 'requestConnectionFactory'")))
                    .as("lines saying the connection factory stopped").hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void aPidFileLeftByACrashDoesNotStopTheNextStart() throws IOException {
        Path pidFile = this.folder.resolve("keystonelight.pid");
        try (ServerProcess crashed = ServerProcess.start(this.folder)) {
            crashed.kill9();
        }
        assertThat(pidFile).as("left behind by kill -9").exists();
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(client.call("ping")).isEqualTo("PONG");
            assertThat(Files.readString(pidFile, StandardCharsets.US_ASCII)).isEqualTo(server.pid() + "\n");
        }
    }

    @Test
    void onSigtermARequestInProgressIsAnsweredWhileNewConnectionsAreRefused() throws Exception {
        int keys = 300_000;
        // Loading is not under test here: without fsync it takes seconds rather than minutes.
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=no")) {
            // A compaction of this much takes long enough to send SIGTERM while it runs.
            Load.pipelineSets(server.port(), "key", keys, "v".repeat(100));
            try (LineClient inFlight = server.connect()) {
                inFlight.send("compact\n");
                await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
                        .until(() -> Files.exists(this.folder.resolve("db.txt.rewrite")));
                server.signal("TERM");
                await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> refusesConnections(server));
                assertThat(inFlight.readLine()).startsWith("OK compacted: ");
                assertThat(inFlight.readLine()).as("then the connection closes").isNull();
            }
            assertThat(server.awaitExit(WAIT)).isIn(0, 143);
            assertThat(server.output()).as("SIGTERM arrived while the compaction ran")
                    .containsSubsequence("Shutting down: no longer accepting connections", "compact request compacted: ")
                    .doesNotContain("Compaction requested by a client failed");
            server.output().lines()
                    .filter(line -> line.contains("Shutting down") || line.contains("compact request compacted: "))
                    .forEach(System.out::println);
        }
        List<String> lines = Files.readAllLines(this.folder.resolve("db.txt"), StandardCharsets.UTF_8);
        assertThat(lines).hasSize(keys);
        assertThat(this.folder.resolve("keystonelight.pid")).doesNotExist();
    }

    /**
     * A KEYS of some 10^10 matching steps (tens of seconds) is running when SIGTERM comes: the
     * server stops within the shutdown timeout and a few seconds, without waiting for it.
     */
    @Test
    void aSigtermDuringALongRequestStopsTheServer() {
        String prefix = "a".repeat(1000);
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=no",
                "--keystonelight.server.workers=2", "--keystonelight.server.shutdown-timeout=1s")) {
            try (RespConnection load = RespConnection.connect(server.port())) {
                for (int batch = 0; batch < 15; batch++) {
                    List<String> mset = new java.util.ArrayList<>(List.of("MSET"));
                    for (int i = 0; i < 2000; i++) {
                        mset.add(prefix + ":" + batch + ":" + i);
                        mset.add("v");
                    }
                    assertThat(load.call(mset.toArray(String[]::new))).isEqualTo("+OK\r\n");
                }
            }
            try (RespConnection slow = RespConnection.connect(server.port());
                    RespConnection watcher = RespConnection.connect(server.port())) {
                long before = commandsProcessed(watcher);
                slow.send(RespConnection.request("KEYS", "*" + prefix + "b"));
                // Each INFO counts itself: one more than the polls means the KEYS was taken.
                int[] polls = { 0 };
                await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                        .until(() -> commandsProcessed(watcher) > before + ++polls[0]);
                assertThat(slow.replyArrived()).as("KEYS is still running when SIGTERM is sent").isFalse();
                long signalled = System.nanoTime();
                server.signal("TERM");
                assertThat(server.awaitExit(WAIT)).isIn(0, 143);
                long seconds = (System.nanoTime() - signalled) / 1_000_000_000;
                assertThat(seconds).as("seconds from SIGTERM to exit, with a KEYS of tens of seconds running")
                        .isLessThan(10);
            }
        }
    }

    private static long commandsProcessed(RespConnection connection) {
        String info = connection.call("INFO", "stats");
        return info.lines().filter(line -> line.startsWith("total_commands_processed:"))
                .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim())).findFirst()
                .orElseThrow(() -> new AssertionError("INFO stats has no total_commands_processed: " + info));
    }

    private static boolean refusesConnections(ServerProcess server) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            return false;
        }
        catch (ConnectException ex) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }
}
