package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

/**
 * The packaged server as a process: what it acknowledged survives a restart and a kill -9.
 */
class DurabilityIT {

    @TempDir
    Path folder;

    @Test
    void acknowledgedWritesSurviveACleanRestart() {
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(client.call("set name Ada Lovelace")).isEqualTo("OK");
            assertThat(client.call("set city London")).isEqualTo("OK");
            assertThat(client.call("set temp 1")).isEqualTo("OK");
            assertThat(client.call("del temp")).isEqualTo("DELETED 1");
            server.signal("TERM");
            assertThat(server.awaitExit(Duration.ofSeconds(30))).isIn(0, 143);
        }
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(client.call("get name")).isEqualTo("VALUE Ada Lovelace");
            assertThat(client.call("get city")).isEqualTo("VALUE London");
            assertThat(client.call("get temp")).isEqualTo("NOT_FOUND");
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillMinus9UnderConcurrentLoad() throws Exception {
        int writers = 8;
        // The last value each writer had acknowledged for each of its keys.
        ConcurrentHashMap<String, String> acknowledged = new ConcurrentHashMap<>();
        // The newest value each writer had sent for each key, acknowledged or not.
        ConcurrentHashMap<String, Integer> attempted = new ConcurrentHashMap<>();
        AtomicInteger acknowledgedCount = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        ServerProcess server = ServerProcess.start(this.folder);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                results.add(pool.submit(() -> {
                    int acked = 0;
                    try (LineClient client = server.connect()) {
                        for (int i = 0; !stop.get(); i++) {
                            String key = "w" + writer + "-k" + (i % 50);
                            String value = "v" + i;
                            attempted.put(key, i);
                            String reply;
                            try {
                                reply = client.call("set " + key + " " + value);
                            }
                            catch (RuntimeException connectionLost) {
                                break;
                            }
                            if (reply == null) {
                                break;
                            }
                            assertThat(reply).isEqualTo("OK");
                            acknowledged.put(key, value);
                            acknowledgedCount.incrementAndGet();
                            acked++;
                        }
                    }
                    return acked;
                }));
            }
            // Let the writers get well into their work, then pull the plug mid-stream.
            awaitAcknowledged(acknowledgedCount, 3000);
            server.kill9();
            stop.set(true);
        }
        finally {
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            server.close();
        }
        int total = 0;
        for (Future<Integer> result : results) {
            total += result.get();
        }
        assertThat(total).isGreaterThan(0);
        try (ServerProcess restarted = ServerProcess.start(this.folder); LineClient client = restarted.connect()) {
            for (var entry : acknowledged.entrySet()) {
                String reply = client.call("get " + entry.getKey());
                // A later write may have reached the file without its reply reaching us: the value
                // is then at least as new as the one acknowledged, never older, never missing.
                assertThat(reply).startsWith("VALUE v");
                int stored = Integer.parseInt(reply.substring("VALUE v".length()));
                int acked = Integer.parseInt(entry.getValue().substring(1));
                assertThat(stored).as("value of %s", entry.getKey()).isGreaterThanOrEqualTo(acked)
                        .isLessThanOrEqualTo(attempted.get(entry.getKey()));
            }
        }
        String file = Files.readString(this.folder.resolve("db.txt"), StandardCharsets.UTF_8);
        assertThat(file).endsWith("\n");
        System.out.printf("kill -9 durability: %d writes acknowledged, %d keys verified, lost = 0%n", total,
                acknowledged.size());
    }

    private static void awaitAcknowledged(AtomicInteger acknowledged, int writes) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> acknowledged.get() >= writes);
    }
}
