package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ClientProcess;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.Load;
import io.keystonelight.support.ServerProcess;

/**
 * Compaction of the packaged server, by each of its triggers: afterwards the data file holds
 * exactly one {@code key|value} line per live key, and no acknowledged write is lost.
 */
class CompactionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path folder;

    @Test
    void sigusr1CompactsTheFileToOneLinePerLiveKey() {
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            Map<String, String> live = overwriteAndDelete(client, "k", 1);
            assertThat(lines()).as("before compaction").hasSizeGreaterThan(live.size());
            server.signal("USR1");
            await().atMost(WAIT).untilAsserted(() -> assertOneLinePerLiveKey(live));
            assertThat(server.isAlive()).as("SIGUSR1 does not end the server").isTrue();
            assertThat(client.call("get k1")).isEqualTo("VALUE v3-1");
            // The log line follows the rename that the file check saw.
            await().atMost(WAIT).untilAsserted(() -> assertThat(server.output())
                    .contains("Compacting the data file (SIGUSR1 received)").contains("Compaction done: data file"));
        }
    }

    @Test
    void theCompactRequestAndTheClientsCompactDoTheSame() {
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            Map<String, String> live = overwriteAndDelete(client, "k", 1);
            assertThat(client.call("compact")).startsWith("OK compacted: ");
            assertOneLinePerLiveKey(live);

            live = overwriteAndDelete(client, "k", 2);
            // The PID file is in the client's working folder and names the server at --port: it signals
            // the server, and returns once that compaction finished, saying what it reclaimed.
            ClientProcess signalled = ClientProcess.run(this.folder, "--port", Integer.toString(server.port()),
                    "compact");
            assertThat(signalled.exitStatus()).as(signalled.stderr()).isZero();
            assertThat(signalled.stdout()).matches("compacted: \\d+ -> \\d+ bytes \\(\\d+ reclaimed\\), "
                    + live.size() + " live keys, took \\d+ ms \\(SIGUSR1 to process " + server.pid()
                    + " from keystonelight.pid\\)\n");
            assertOneLinePerLiveKey(live);
            assertThat(server.output()).contains("Compacting the data file (SIGUSR1 received)");

            live = overwriteAndDelete(client, "k", 3);
            // Without a PID file the client falls back to the request, and it is done when the client exits.
            ClientProcess requested = ClientProcess.run(this.folder, "--port", Integer.toString(server.port()),
                    "--pid-file", "missing.pid", "compact");
            assertThat(requested.exitStatus()).as(requested.stderr()).isZero();
            assertThat(requested.stdout()).startsWith("compacted: ")
                    .endsWith("(sent the compact request: no PID file at missing.pid)\n");
            assertOneLinePerLiveKey(live);
        }
    }

    @Test
    void compactionUnderConcurrentWritesLosesNoAcknowledgedWrite() throws Exception {
        int writers = 4;
        // What each key should hold, by the acknowledged writes: a value, or null once deleted.
        Map<String, String> expected = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acknowledged = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        // Without fsync the load takes seconds rather than minutes; compaction fsyncs its file regardless.
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=no")) {
            // Enough data that each compaction takes a while, so writes land in the middle of it.
            Load.pipelineSets(server.port(), "bulk", 100_000, "x".repeat(100));
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String prefix = "w" + w + "-";
                running.add(pool.submit(() -> write(server, prefix, expected, acknowledged, stop)));
            }
            try (LineClient compactor = server.connect()) {
                for (int round = 0; round < 3; round++) {
                    awaitMoreWrites(acknowledged, 500);
                    assertThat(compactor.call("compact")).startsWith("OK compacted: ");
                    awaitMoreWrites(acknowledged, 500);
                    int done = countOf(server.output(), "Compaction done");
                    server.signal("USR1");
                    await().atMost(WAIT).until(() -> countOf(server.output(), "Compaction done") > done);
                }
            }
            stop.set(true);
            for (Future<?> writer : running) {
                writer.get(60, TimeUnit.SECONDS);
            }
            assertThat(writesCarriedOver(server.output())).as("writes made while a compaction ran").isPositive();
            assertHolds(server, expected);
            server.signal("TERM");
            server.awaitExit(WAIT);
        }
        finally {
            pool.shutdownNow();
        }
        try (ServerProcess restarted = ServerProcess.start(this.folder)) {
            assertHolds(restarted, expected);
        }
        System.out.printf("compaction under load: %d acknowledged writes, %d keys checked, lost = 0%n",
                acknowledged.get(), expected.size());
    }

    @Test
    void compactsByItselfOnceTheFileIsLargeAndMostlyStale() {
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.compaction.auto-min-size=4KB",
                "--keystonelight.compaction.auto-min-reclaimable=0.8"); LineClient client = server.connect()) {
            int writes = 0;
            // Five counters, counted up: the file grows by a line per write, the live data stays five lines.
            while (!server.output().contains("Compaction done")) {
                assertThat(client.call("set counter" + (writes % 5) + " " + writes)).isEqualTo("OK");
                writes++;
                assertThat(writes).as("writes before an automatic compaction").isLessThan(200_000);
            }
            assertThat(server.output()).contains("Compacting the data file (automatic: the data file is ")
                    .contains("(auto-compaction from 4.0 KB and 80%)");
            assertThat(lines()).as("lines after %d writes", writes).hasSizeLessThan(writes);
            for (int i = writes - 5; i < writes; i++) {
                assertThat(client.call("get counter" + (i % 5))).isEqualTo("VALUE " + i);
            }
        }
    }

    /** Sets keys {@code prefix0..prefix19} twice, deletes every third; returns what is live. */
    private static Map<String, String> overwriteAndDelete(LineClient client, String prefix, int round) {
        Map<String, String> live = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            String key = prefix + i;
            assertThat(client.call("set " + key + " v" + round + "-" + i)).isEqualTo("OK");
            assertThat(client.call("set " + key + " v" + (round + 2) + "-" + i + " | spaced")).isEqualTo("OK");
            live.put(key, "v" + (round + 2) + "-" + i + " | spaced");
        }
        for (int i = 0; i < 20; i += 3) {
            assertThat(client.call("del " + prefix + i)).isEqualTo("DELETED 1");
            live.remove(prefix + i);
        }
        assertThat(client.call("set " + prefix + "1 v3-1")).isEqualTo("OK");
        live.put(prefix + "1", "v3-1");
        return live;
    }

    private void assertOneLinePerLiveKey(Map<String, String> live) {
        List<String> expected = new ArrayList<>();
        live.forEach((key, value) -> expected.add(key + "|" + value));
        assertThat(lines()).containsExactlyInAnyOrderElementsOf(expected);
    }

    private List<String> lines() {
        try {
            return Files.readAllLines(this.folder.resolve("db.txt"), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void write(ServerProcess server, String prefix, Map<String, String> expected,
            AtomicInteger acknowledged, AtomicBoolean stop) {
        try (LineClient client = server.connect()) {
            for (int i = 0; !stop.get(); i++) {
                String key = prefix + (i % 300);
                if (i % 10 == 9) {
                    assertThat(client.call("del " + key)).startsWith("DELETED ");
                    expected.remove(key);
                }
                else {
                    assertThat(client.call("set " + key + " " + i)).isEqualTo("OK");
                    expected.put(key, Integer.toString(i));
                }
                acknowledged.incrementAndGet();
            }
        }
    }

    private static void assertHolds(ServerProcess server, Map<String, String> expected) {
        try (LineClient client = server.connect()) {
            expected.forEach((key, value) -> assertThat(client.call("get " + key)).as(key)
                    .isEqualTo(value == null ? "NOT_FOUND" : "VALUE " + value));
            for (int w = 0; w < 4; w++) {
                for (int k = 0; k < 300; k++) {
                    String key = "w" + w + "-" + k;
                    if (!expected.containsKey(key)) {
                        assertThat(client.call("get " + key)).as(key).isEqualTo("NOT_FOUND");
                    }
                }
            }
            assertThat(client.call("get bulk99999")).isEqualTo("VALUE " + "x".repeat(100));
        }
    }

    private static void awaitMoreWrites(AtomicInteger acknowledged, int more) {
        int target = acknowledged.get() + more;
        await().atMost(WAIT).until(() -> acknowledged.get() >= target);
    }

    private static int countOf(String text, String phrase) {
        int count = 0;
        for (int at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
            count++;
        }
        return count;
    }

    private static long writesCarriedOver(String output) {
        Matcher carried = Pattern.compile("(\\d+) writes carried over").matcher(output);
        long total = 0;
        while (carried.find()) {
            total += Long.parseLong(carried.group(1));
        }
        return total;
    }
}
