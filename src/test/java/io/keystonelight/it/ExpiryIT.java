package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerProcess;

/**
 * Expiry in the packaged server: a key is never returned once its deadline passed, whoever reads
 * it; keys nobody reads are removed with a delete record each; a restart or a kill -9 after a
 * deadline brings no key back, and a key acknowledged with a TTL comes back with it or not at all.
 */
class ExpiryIT {

    @TempDir
    Path folder;

    /**
     * Each client sets keys with TTLs of 1 to 50 ms and reads them back until they are gone; a
     * read sent more than the TTL after the SET was acknowledged was sent after the deadline (the
     * server fixed it before it answered), so it must find nothing.
     */
    @Test
    void keysWithShortTtlsAreNeverReturnedAfterTheirDeadline() throws Exception {
        int clients = 8;
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=everysec")) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    List<String> violations = new ArrayList<>();
                    try (RespConnection connection = RespConnection.connect(server.port())) {
                        for (int i = 0; i < 150; i++) {
                            String key = "c" + client + ":" + i;
                            int ttl = 1 + ThreadLocalRandom.current().nextInt(50);
                            String ack = connection.call("SET", key, "v" + i, "PX", String.valueOf(ttl));
                            long acknowledged = System.currentTimeMillis();
                            if (!ack.equals("+OK\r\n")) {
                                violations.add(key + ": SET answered " + ack);
                                continue;
                            }
                            while (true) {
                                long sent = System.currentTimeMillis();
                                String reply = connection.call("GET", key);
                                if (reply.equals("$-1\r\n")) {
                                    break;
                                }
                                if (!reply.equals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n")) {
                                    violations.add(key + ": GET answered " + reply);
                                    break;
                                }
                                // Clocks count whole milliseconds: one more to be sure the deadline passed.
                                if (sent > acknowledged + ttl + 1) {
                                    violations.add(key + " (TTL " + ttl + " ms) returned " + (sent - acknowledged)
                                            + " ms after its SET was acknowledged");
                                    break;
                                }
                            }
                        }
                    }
                    return violations;
                }));
            }
            List<String> violations = new ArrayList<>();
            for (Future<List<String>> result : results) {
                violations.addAll(result.get());
            }
            pool.shutdown();
            assertThat(violations).as("reads that returned a key after its deadline").isEmpty();
            try (RespConnection connection = RespConnection.connect(server.port())) {
                assertThat(connection.call("DBSIZE")).isEqualTo(":0\r\n");
            }
        }
    }

    @Test
    void keysNobodyReadsAreRemovedWithADeleteRecordEach() throws Exception {
        int keys = 20_000;
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=everysec");
                RespConnection connection = RespConnection.connect(server.port())) {
            for (int i = 0; i < keys; i += 1000) {
                List<String> request = new ArrayList<>(List.of("MSET"));
                for (int k = i; k < i + 1000; k++) {
                    request.add("idle:" + k);
                    request.add("v");
                }
                assertThat(connection.call(request.toArray(String[]::new))).isEqualTo("+OK\r\n");
            }
            for (int i = 0; i < keys; i++) {
                assertThat(connection.call("PEXPIRE", "idle:" + i, "300")).isEqualTo(":1\r\n");
            }
            assertThat(connection.call("SET", "lasting", "v", "EX", "1000")).isEqualTo("+OK\r\n");
            Path dataFile = this.folder.resolve("db.txt");
            // No read touches them: only the server itself can write their delete records.
            await().atMost(Duration.ofSeconds(30)).until(() -> deleteRecords(dataFile) == keys);
            assertThat(connection.call("DBSIZE")).isEqualTo(":1\r\n");
            assertThat(connection.call("INFO", "keyspace")).contains("db0:keys=1,expires=1,avg_ttl=0");
        }
    }

    private static long deleteRecords(Path dataFile) throws Exception {
        return Files.readAllLines(dataFile, StandardCharsets.UTF_8).stream().filter(line -> line.startsWith("idle:")
                && !line.contains("|")).count();
    }

    @Test
    void aKillMinus9LeavesEachTtlKeyWithItsDeadlineOrGoneAndARestartAfterTheDeadlineBringsNoneBack()
            throws Exception {
        long deadline;
        long longSent;
        long longAcknowledged;
        ServerProcess server = ServerProcess.start(this.folder);
        try (RespConnection connection = RespConnection.connect(server.port())) {
            assertThat(connection.call("SET", "short", "v", "PX", "1500")).isEqualTo("+OK\r\n");
            deadline = System.currentTimeMillis() + 1500;
            assertThat(connection.call("HSET", "hash", "f", "v")).isEqualTo(":1\r\n");
            assertThat(connection.call("PEXPIRE", "hash", "1500")).isEqualTo(":1\r\n");
            longSent = System.currentTimeMillis();
            assertThat(connection.call("SET", "long", "v", "EX", "1000")).isEqualTo("+OK\r\n");
            longAcknowledged = System.currentTimeMillis();
            assertThat(connection.call("SET", "plain", "v")).isEqualTo("+OK\r\n");
        }
        server.kill9();
        server.close();
        try (ServerProcess restarted = ServerProcess.start(this.folder);
                RespConnection connection = RespConnection.connect(restarted.port())) {
            long at = Long.parseLong(connection.call("PEXPIRETIME", "long").trim().substring(1));
            assertThat(at).as("the deadline acknowledged before the kill")
                    .isBetween(longSent + 1_000_000, longAcknowledged + 1_000_000);
            assertThat(connection.call("TTL", "plain")).isEqualTo(":-1\r\n");
            String shortTtl = connection.call("PTTL", "short");
            assertThat(shortTtl).as("present with its deadline, or gone").isNotEqualTo(":-1\r\n");
            restarted.signal("TERM");
            restarted.awaitExit(Duration.ofSeconds(30));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > deadline + 5);
        try (ServerProcess restarted = ServerProcess.start(this.folder);
                RespConnection connection = RespConnection.connect(restarted.port())) {
            assertThat(connection.call("EXISTS", "short", "hash")).as("keys whose deadline passed while down")
                    .isEqualTo(":0\r\n");
            assertThat(connection.call("EXISTS", "long", "plain")).isEqualTo(":2\r\n");
        }
    }
}
