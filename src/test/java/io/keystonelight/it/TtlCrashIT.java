package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerProcess;

/**
 * Writers over RESP set keys with and without a TTL, and delete them, while the server is killed
 * with -9, round after round. Every write has a value of its own, so the value found after the
 * restart names the write that made it: a key set with a TTL is found with that write's deadline
 * (fixed between its send and its acknowledgement), a key set without one is found without, and
 * a key is never older than its last acknowledged write.
 */
class TtlCrashIT {

    private static final int WRITERS = 4;

    private static final int KEYS = 20;

    private static final long TTL_MS = 3_600_000;

    @TempDir
    Path folder;

    /** One write: its value ({@code null} for a delete), whether it had a TTL, and when it was sent and acknowledged. */
    private record Sent(String value, boolean ttl, long sentAt, long acknowledgedAt) {
    }

    @Test
    void afterEachKillEveryKeyHoldsItsLastAcknowledgedWriteOrTheOneInFlightWithThatWritesDeadline()
            throws Exception {
        Map<String, List<Sent>> history = new HashMap<>();
        Map<String, Sent> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> violations = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        int checked = 0;
        // The server that replayed the file after a kill and answered the checks takes the next
        // round's writes: a start fewer per round, and writes go on over a recovered file, as
        // they do after a real crash.
        ServerProcess server = ServerProcess.start(this.folder);
        try {
            for (int round = 0; round < 4; round++) {
                ServerProcess writing = server;
                AtomicBoolean stop = new AtomicBoolean();
                java.util.concurrent.atomic.AtomicInteger acknowledgedThisRound = new java.util.concurrent.atomic.AtomicInteger();
                List<Future<Map<String, List<Sent>>>> results = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    int r = round;
                    results.add(pool.submit(() -> write(writing.port(), writer, r, stop, inFlight, acknowledgedThisRound)));
                }
                // Kill the server under the writers once each has had writes acknowledged this round.
                long waitUntil = System.nanoTime() + 60_000_000_000L;
                while (acknowledgedThisRound.get() < WRITERS * 200 && System.nanoTime() < waitUntil
                        && results.stream().noneMatch(Future::isDone)) {
                    // Polls the writers' count; a spin here took one of two cores from the server.
                    Thread.sleep(5);
                }
                assertThat(results.stream().noneMatch(Future::isDone)).as("every writer still writing at the kill")
                        .isTrue();
                server.kill9();
                stop.set(true);
                for (Future<Map<String, List<Sent>>> result : results) {
                    result.get().forEach((key, sent) -> history.computeIfAbsent(key, k -> new ArrayList<>()).addAll(sent));
                }
                server.close();
                server = ServerProcess.start(this.folder);
                try (RespConnection client = RespConnection.connect(server.port())) {
                    for (Map.Entry<String, List<Sent>> entry : history.entrySet()) {
                        Sent made = check(client, entry.getKey(), entry.getValue(), inFlight.get(entry.getKey()),
                                round, violations);
                        checked++;
                        // What was found is the truth the next round starts from.
                        entry.setValue(new ArrayList<>(List.of(made)));
                    }
                    inFlight.clear();
                }
            }
        }
        finally {
            pool.shutdownNow();
            server.close();
        }
        assertThat(checked).as("keys checked after the kills").isGreaterThan(WRITERS * KEYS);
        assertThat(violations).as("keys found other than their last acknowledged write allows").isEmpty();
    }

    private static Map<String, List<Sent>> write(int port, int writer, int round, AtomicBoolean stop,
            Map<String, Sent> inFlight, java.util.concurrent.atomic.AtomicInteger acknowledgedCount) {
        Map<String, List<Sent>> acknowledged = new HashMap<>();
        Random random = new Random(writer * 31L + round);
        try (RespConnection connection = RespConnection.connect(port)) {
            for (int i = 0; !stop.get(); i++) {
                String key = "w" + writer + ":k" + random.nextInt(KEYS);
                String value = "r" + round + "w" + writer + "i" + i;
                int kind = random.nextInt(5);
                long sentAt = System.currentTimeMillis();
                Sent sent;
                String[] request;
                if (kind == 0) {
                    sent = new Sent(null, false, sentAt, 0);
                    request = new String[] { "DEL", key };
                }
                else if (kind <= 2) {
                    sent = new Sent(value, true, sentAt, 0);
                    request = new String[] { "SET", key, value, "PX", String.valueOf(TTL_MS) };
                }
                else {
                    sent = new Sent(value, false, sentAt, 0);
                    request = new String[] { "SET", key, value };
                }
                inFlight.put(key, sent);
                String reply;
                try {
                    reply = connection.call(request);
                }
                catch (RuntimeException connectionEnded) {
                    // The kill: this write is in flight, it may or may not have been applied.
                    return acknowledged;
                }
                if (!reply.equals("+OK\r\n") && !reply.startsWith(":")) {
                    throw new AssertionError(String.join(" ", request) + " was answered " + reply);
                }
                inFlight.remove(key);
                acknowledgedCount.incrementAndGet();
                acknowledged.computeIfAbsent(key, k -> new ArrayList<>())
                        .add(new Sent(sent.value(), sent.ttl(), sentAt, System.currentTimeMillis()));
            }
        }
        return acknowledged;
    }

    /** Checks one key; returns the write that made what was found (the one acknowledged last, if none did). */
    private static Sent check(RespConnection client, String key, List<Sent> acknowledged, Sent flying, int round,
            List<String> violations) {
        String reply = client.call("GET", key);
        String found = reply.equals("$-1\r\n") ? null : reply.substring(reply.indexOf("\r\n") + 2, reply.length() - 2);
        Sent last = acknowledged.isEmpty() ? null : acknowledged.get(acknowledged.size() - 1);
        Sent made;
        if (last == null && found == null) {
            return new Sent(null, false, 0, 0);
        }
        if (last != null && java.util.Objects.equals(last.value(), found)) {
            made = last;
        }
        else if (flying != null && java.util.Objects.equals(flying.value(), found)) {
            made = flying;
        }
        else {
            violations.add("round " + round + ": " + key + " holds " + found + ", but its last acknowledged write was "
                    + (last == null ? "none" : last) + " and the one in flight " + flying);
            return new Sent(found, false, 0, 0);
        }
        if (found == null) {
            return made;
        }
        long at = Long.parseLong(client.call("PEXPIRETIME", key).trim().substring(1));
        if (made.ttl()) {
            // A write in flight at a kill was never acknowledged: its deadline has no upper bound here.
            long latest = made.acknowledgedAt() == 0 ? Long.MAX_VALUE : made.acknowledgedAt() + TTL_MS;
            if (at < made.sentAt() + TTL_MS || at > latest) {
                violations.add("round " + round + ": " + key + " holds " + found + ", set with a TTL, but its deadline "
                        + "is " + at + " (expected between " + (made.sentAt() + TTL_MS) + " and " + latest + ")");
            }
        }
        else if (at != -1) {
            violations.add("round " + round + ": " + key + " holds " + found + ", set without a TTL, but has the "
                    + "deadline " + at);
        }
        return made;
    }
}
