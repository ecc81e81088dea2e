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
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

/**
 * The crash harness: the packaged server under {@code fsync: always}, concurrent writers and a
 * client that asks for compaction over and over, killed with {@code kill -9} at a random moment,
 * restarted and checked, round after round.
 *
 * <p>Every write a client sent is recorded before it is sent, and every acknowledgement when it
 * arrives. After each restart every key must hold its last acknowledged state, or the state the
 * one write still in flight at the kill would have given it (that write may have reached the file
 * without its reply reaching the client). Between kill and restart every record in the data file
 * must be one a client actually sent.
 *
 * <p>{@code ./mvnw verify} runs a few rounds. A longer soak:
 * {@code ./mvnw verify -Dit.test=CrashHarnessIT -Dkeystonelight.crash.rounds=200}
 * ({@code -Dkeystonelight.crash.seed=...} replays the kill moments of an earlier run).
 */
class CrashHarnessIT {

    private static final int ROUNDS = Integer.getInteger("keystonelight.crash.rounds", 4);

    private static final int WRITERS = 8;

    private static final int KEYS_PER_WRITER = 100;

    private static final Pattern KEY = Pattern.compile("crash:w\\d+:k\\d+");

    @TempDir
    Path folder;

    /** Every value any client ever sent, acknowledged or not. */
    private final Set<String> sentValues = ConcurrentHashMap.newKeySet();

    private final AtomicLong acknowledged = new AtomicLong();

    private final AtomicLong compactions = new AtomicLong();

    @Test
    void noAcknowledgedWriteIsLostAndNothingUnwrittenAppearsAcrossKillsAtRandomMoments() throws Exception {
        long seed = Long.getLong("keystonelight.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Writer> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(new Writer(w, random.nextLong()));
        }
        List<String> violations = new ArrayList<>();
        int killsDuringCompaction = 0;
        int inFlightApplied = 0;
        int inFlightNotApplied = 0;
        long started = System.nanoTime();
        for (int round = 1; round <= ROUNDS; round++) {
            long acknowledgedBefore = this.acknowledged.get();
            long killAfter = 1000 + random.nextInt(7000);
            ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=always");
            try {
                int[] applied = verify(server, writers, round, violations);
                inFlightApplied += applied[0];
                inFlightNotApplied += applied[1];
                ExecutorService clients = Executors.newFixedThreadPool(WRITERS + 1);
                List<Future<?>> running = new ArrayList<>();
                try {
                    for (Writer writer : writers) {
                        int thisRound = round;
                        running.add(clients.submit(() -> writer.writeUntilTheServerDies(server, thisRound)));
                    }
                    running.add(clients.submit(() -> compactUntilTheServerDies(server)));
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(5))
                            .until(() -> this.acknowledged.get() - acknowledgedBefore >= killAfter);
                    server.kill9();
                    if (Files.exists(this.folder.resolve("db.txt.rewrite"))) {
                        killsDuringCompaction++;
                    }
                    for (Future<?> client : running) {
                        // A writer that got an unexpected reply fails the test here.
                        client.get(60, TimeUnit.SECONDS);
                    }
                }
                finally {
                    clients.shutdownNow();
                }
            }
            finally {
                server.close();
            }
            checkEveryRecordWasSent(round, violations);
        }
        try (ServerProcess last = ServerProcess.start(this.folder, "--keystonelight.storage.fsync=always")) {
            int[] applied = verify(last, writers, ROUNDS + 1, violations);
            inFlightApplied += applied[0];
            inFlightNotApplied += applied[1];
            last.signal("TERM");
            last.awaitExit(Duration.ofSeconds(30));
        }
        System.out.printf("crash harness: %d rounds, %d acknowledged writes verified, lost = %d (seed %d; %d writers "
                + "and a compaction loop, fsync always; %d compactions answered, %d kills during a compaction; writes "
                + "in flight at a kill: %d found applied, %d not; %d keys checked after every restart; %d s)%n",
                ROUNDS, this.acknowledged.get(), violations.size(), seed, WRITERS, this.compactions.get(),
                killsDuringCompaction, inFlightApplied, inFlightNotApplied, WRITERS * KEYS_PER_WRITER,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        assertThat(violations).as("acknowledged writes lost or values never sent (seed %d)", seed).isEmpty();
        assertThat(this.acknowledged.get()).isGreaterThanOrEqualTo(1000L * ROUNDS);
    }

    /**
     * Reads every key and checks it against what its writer knows; then takes what was read as
     * the truth, which settles the write that was in flight at the kill.
     * @return how many in-flight writes were found applied, and how many not
     */
    private int[] verify(ServerProcess server, List<Writer> writers, int round, List<String> violations) {
        int[] applied = new int[2];
        try (LineClient client = server.connect()) {
            for (Writer writer : writers) {
                for (int k = 0; k < KEYS_PER_WRITER; k++) {
                    String key = writer.key(k);
                    String reply = client.call("get " + key);
                    String actual = reply.equals("NOT_FOUND") ? null : reply.substring("VALUE ".length());
                    String expected = writer.known.get(key);
                    Write inFlight = writer.inFlight != null && writer.inFlight.key.equals(key) ? writer.inFlight : null;
                    boolean matchesAcknowledged = actual == null ? expected == null : actual.equals(expected);
                    boolean matchesInFlight = inFlight != null
                            && (actual == null ? inFlight.value == null : actual.equals(inFlight.value));
                    if (matchesInFlight && !matchesAcknowledged) {
                        applied[0]++;
                    }
                    else if (inFlight != null && !matchesInFlight) {
                        applied[1]++;
                    }
                    if (!matchesAcknowledged && !matchesInFlight) {
                        violations.add("after restart " + round + ": " + key + " holds " + describe(actual)
                                + ", but its last acknowledged state is " + describe(expected)
                                + (inFlight == null ? "" : " and the write in flight was " + describe(inFlight.value)));
                    }
                    writer.settle(key, actual);
                }
                writer.inFlight = null;
            }
        }
        return applied;
    }

    private static String describe(String value) {
        return value == null ? "no value" : "'" + value + "'";
    }

    /** Between kill and restart: every whole record in the file is one a client sent. */
    private void checkEveryRecordWasSent(int round, List<String> violations) throws IOException {
        byte[] content = Files.readAllBytes(this.folder.resolve("db.txt"));
        int start = 0;
        int lineNumber = 0;
        for (int i = 0; i < content.length; i++) {
            if (content[i] != '\n') {
                continue;
            }
            lineNumber++;
            String line = new String(content, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            int bar = line.indexOf('|');
            String key = bar < 0 ? line : line.substring(0, bar);
            if (!KEY.matcher(key).matches()) {
                violations.add("after kill " + round + ": line " + lineNumber + " has a key no client used: " + line);
            }
            else if (bar >= 0 && !this.sentValues.contains(line.substring(bar + 1))) {
                violations.add("after kill " + round + ": line " + lineNumber + " has a value no client sent: " + line);
            }
        }
    }

    private void compactUntilTheServerDies(ServerProcess server) {
        try (LineClient client = server.connect()) {
            while (true) {
                String reply = client.call("compact");
                if (reply == null) {
                    return;
                }
                assertThat(reply).startsWith("OK compacted: ");
                this.compactions.incrementAndGet();
            }
        }
        catch (UncheckedIOException | IllegalStateException serverDied) {
            // The kill: this round is over.
        }
    }

    /** A set ({@code value} not null) or a delete of one key. */
    private record Write(String key, String value) {
    }

    /** One client with keys of its own, so that it knows exactly what each of them must hold. */
    private final class Writer {

        private final int id;

        private final Random random;

        /** Each key's last acknowledged value; absent for a key deleted or never set. */
        private final Map<String, String> known = new HashMap<>();

        /** Sent but not acknowledged: at most one, as the writer waits for each reply. */
        private volatile Write inFlight;

        private long sequence;

        Writer(int id, long seed) {
            this.id = id;
            this.random = new Random(seed);
        }

        String key(int k) {
            return "crash:w" + this.id + ":k" + k;
        }

        void settle(String key, String value) {
            if (value == null) {
                this.known.remove(key);
            }
            else {
                this.known.put(key, value);
            }
        }

        Void writeUntilTheServerDies(ServerProcess server, int round) {
            try (LineClient client = server.connect()) {
                while (true) {
                    String key = key(this.random.nextInt(KEYS_PER_WRITER));
                    String reply;
                    String expectedReply;
                    if (this.random.nextInt(5) == 0) {
                        this.inFlight = new Write(key, null);
                        expectedReply = "DELETED " + (this.known.containsKey(key) ? 1 : 0);
                        reply = client.call("del " + key);
                    }
                    else {
                        // Spaces and bars in values check that records split at the first bar.
                        String value = "w" + this.id + "-r" + round + "-" + this.sequence++ + " |x| y";
                        CrashHarnessIT.this.sentValues.add(value);
                        this.inFlight = new Write(key, value);
                        expectedReply = "OK";
                        reply = client.call("set " + key + " " + value);
                    }
                    if (reply == null) {
                        return null;
                    }
                    assertThat(reply).as("reply to %s", this.inFlight).isEqualTo(expectedReply);
                    settle(key, this.inFlight.value);
                    this.inFlight = null;
                    CrashHarnessIT.this.acknowledged.incrementAndGet();
                }
            }
            catch (UncheckedIOException | IllegalStateException serverDied) {
                // The kill: the write in flight, if any, is settled by the next verification.
                return null;
            }
        }
    }
}
