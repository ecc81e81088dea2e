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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.Needs;
import io.keystonelight.support.PowerLossDisk;
import io.keystonelight.support.ServerProcess;

/**
 * The power-loss harness: the packaged server with its data folder on a file system that forgets
 * what was not fsynced ({@link PowerLossDisk}), concurrent writers and a compaction loop, the
 * power cut at a random moment (sometimes torn at a page boundary), the server restarted on what
 * the disk kept, every key checked, round after round.
 *
 * <p>Every write is recorded before it is sent, and its acknowledgement with the time it arrived.
 * After each restart every key must hold a state it had: under {@code fsync: always} its last
 * acknowledged state, or the state the write in flight at the cut would have given it; under
 * {@code everysec} the same, or a state it had less than {@value #EVERYSEC_WINDOW_MS_DEFAULT} ms
 * before the cut (the writes after it lost). Between cut and restart every record on the disk
 * must be one a client actually sent.
 *
 * <p>{@code ./mvnw verify} runs a few rounds of each. A longer soak:
 * {@code ./mvnw verify -Dit.test=PowerLossHarnessIT -Dkeystonelight.powerloss.rounds=100}
 * ({@code -Dkeystonelight.powerloss.seed=...} replays the cut moments and tears of an earlier run).
 */
class PowerLossHarnessIT {

    private static final int ROUNDS = Integer.getInteger("keystonelight.powerloss.rounds", 0);

    private static final long EVERYSEC_WINDOW_MS_DEFAULT = 2000;

    private static final long EVERYSEC_WINDOW_MS = Long.getLong("keystonelight.powerloss.everysec-window-ms",
            EVERYSEC_WINDOW_MS_DEFAULT);

    private static final int WRITERS = 8;

    private static final int KEYS_PER_WRITER = 100;

    private static final Pattern KEY = Pattern.compile("power:w\\d+:k\\d+");

    @TempDir
    Path folder;

    private PowerLossDisk disk;

    private ServerProcess server;

    /** Every value any client ever sent, acknowledged or not. */
    private final Set<String> sentValues = ConcurrentHashMap.newKeySet();

    private final AtomicLong acknowledged = new AtomicLong();

    private final AtomicLong compactions = new AtomicLong();

    private volatile boolean compacting;

    @BeforeEach
    void fuseIsAvailable() {
        String why = PowerLossDisk.unavailable();
        Needs.require(why == null, () -> "power-loss harness: the power-loss file system cannot run here: " + why);
    }

    @AfterEach
    void pullThePlug() {
        if (this.server != null && this.server.isAlive()) {
            this.server.signal("KILL");
        }
        if (this.disk != null) {
            this.disk.close();
        }
        if (this.server != null) {
            this.server.close();
        }
    }

    @Test
    void underFsyncAlwaysNoAcknowledgedWriteIsLostAcrossPowerCutsAtRandomMoments() throws Exception {
        Outcome outcome = run("always", ROUNDS > 0 ? ROUNDS : 4, 0, 0);
        assertThat(outcome.lost).as("acknowledged writes lost (seed %d)", outcome.seed).isZero();
        assertThat(outcome.violations).as("acknowledged writes lost or values never sent (seed %d)", outcome.seed)
                .isEmpty();
        assertThat(this.compactions.get()).as("compactions answered").isPositive();
        assertThat(outcome.fileSystem.get("fsyncdir")).as("folder fsyncs the file system saw").isPositive();
    }

    @Test
    void underFsyncEverysecOnlyWritesOfTheLastTwoSecondsAreLost() throws Exception {
        Outcome outcome = run("everysec", ROUNDS > 0 ? ROUNDS : 2, EVERYSEC_WINDOW_MS, 3000);
        assertThat(outcome.lostBeyondWindow).as("writes lost that were acknowledged more than %d ms before the cut "
                + "(seed %d)", EVERYSEC_WINDOW_MS, outcome.seed).isZero();
        assertThat(outcome.violations).as("writes lost that were older than %d ms at the cut, or values never "
                + "sent (seed %d)", EVERYSEC_WINDOW_MS, outcome.seed).isEmpty();
        // The file system does forget: with writes arriving all the time, every cut finds some not yet fsynced.
        assertThat(outcome.lost).as("acknowledged writes lost under everysec").isPositive();
        assertThat(outcome.fileSystem.get("fdatasync")).as("once-a-second fsyncs the file system saw").isPositive();
    }

    /** What the rounds found. */
    private record Outcome(long seed, List<String> violations, long lost, long lostBeyondWindow,
            FileSystemStats fileSystem) {
    }

    /**
     * @param windowMs how long before the cut an acknowledged write may be lost (0: none may)
     * @param compactEvery acknowledged writes between two compactions (0: one after the other)
     */
    private Outcome run(String fsync, int rounds, long windowMs, int compactEvery) throws Exception {
        long seed = Long.getLong("keystonelight.powerloss.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Writer> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(new Writer(w, random.nextLong()));
        }
        Path base = this.folder.resolve("fs");
        Path work = Files.createDirectories(this.folder.resolve("work"));
        List<String> violations = new ArrayList<>();
        Tally tally = new Tally();
        FileSystemStats fileSystemStats = new FileSystemStats();
        long cutAt = 0;
        int cutsDuringCompaction = 0;
        int tornCuts = 0;
        long started = System.nanoTime();
        for (int round = 1; round <= rounds; round++) {
            long acknowledgedBefore = this.acknowledged.get();
            int cutAfter = fsync.equals("always") ? 300 + random.nextInt(2500) : 1000 + random.nextInt(6000);
            // Under everysec a round lasts long enough for the once-a-second fsync to run, at a random phase of it.
            long cutNoSoonerThan = fsync.equals("always") ? 0
                    : TimeUnit.MILLISECONDS.toNanos(1500 + random.nextInt(2000));
            // Every other cut is torn: a prefix of each file's un-synced pages reaches the disk.
            Long tear = round % 2 == 1 ? random.nextLong() : null;
            this.disk = PowerLossDisk.mount(base);
            long starting = System.nanoTime();
            this.server = startServer(work, fsync);
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting);
            countTornTail(this.server, tally);
            verify(this.server, writers, round, cutAt, windowMs, violations, tally);
            ExecutorService clients = Executors.newFixedThreadPool(WRITERS + 1);
            String dropped;
            boolean duringCompaction;
            try {
                List<Future<?>> running = new ArrayList<>();
                ServerProcess serving = this.server;
                for (Writer writer : writers) {
                    int thisRound = round;
                    running.add(clients.submit(() -> writer.writeUntilTheServerDies(serving, thisRound)));
                }
                running.add(clients.submit(() -> compactUntilTheServerDies(serving, compactEvery)));
                long loadStarted = System.nanoTime();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(2))
                        .until(() -> (this.acknowledged.get() - acknowledgedBefore >= cutAfter
                                && System.nanoTime() - loadStarted >= cutNoSoonerThan)
                                || running.stream().anyMatch(Future::isDone));
                for (Future<?> client : running) {
                    if (client.isDone()) {
                        client.get();
                        throw new AssertionError("a client stopped before the power cut, the server gone:\n"
                                + this.server.output());
                    }
                }
                duringCompaction = this.compacting;
                fileSystemStats.add(this.disk.stats());
                // The power goes between this moment and the file system's answer; the kills after
                // it take time that is not part of any write's age.
                cutAt = System.nanoTime();
                dropped = this.disk.powerCut(this.server, tear);
                this.disk = null;
                for (Future<?> client : running) {
                    // A writer that got an unexpected reply fails the test here.
                    client.get(60, TimeUnit.SECONDS);
                }
            }
            finally {
                clients.shutdownNow();
            }
            this.server.close();
            this.server = null;
            if (duringCompaction) {
                cutsDuringCompaction++;
            }
            if (tear != null) {
                tornCuts++;
            }
            System.out.printf("power loss %s round %d: server started in %d ms, cut after %d acknowledged writes%s%s; "
                    + "%s%n", fsync, round, startMillis, this.acknowledged.get() - acknowledgedBefore,
                    tear == null ? "" : ", torn", duringCompaction ? ", during a compaction" : "", dropped);
            checkEveryRecordWasSent(base.resolve("disk").resolve("db.txt"), round, violations);
        }
        this.disk = PowerLossDisk.mount(base);
        try {
            this.server = startServer(work, fsync);
            countTornTail(this.server, tally);
            verify(this.server, writers, rounds + 1, cutAt, windowMs, violations, tally);
            fileSystemStats.add(this.disk.stats());
            this.server.signal("TERM");
            this.server.awaitExit(Duration.ofSeconds(30));
            this.server = null;
        }
        finally {
            this.disk.close();
            this.disk = null;
        }
        String lostText = windowMs == 0 ? "lost = " + tally.lost
                : String.format("lost = %d, the oldest acknowledged %d ms before its cut (allowed: %d ms; %d older)",
                        tally.lost, TimeUnit.NANOSECONDS.toMillis(tally.oldestLostAge), windowMs,
                        tally.lostBeyondWindow);
        System.out.printf("power-loss harness (fsync %s): %d rounds, %d acknowledged writes verified, %s, "
                + "values never written = %d, violations = %d (seed %d; %d writers and a compaction loop; "
                + "%d compactions answered; %d cuts torn, %d during a compaction; %d torn tails cut at restart; "
                + "writes in flight at a cut: %d found applied, %d not; %d keys checked after every restart; %d s; "
                + "file system %s)%n", fsync, rounds, this.acknowledged.get(), lostText, tally.neverWritten,
                violations.size(), seed, WRITERS, this.compactions.get(), tornCuts, cutsDuringCompaction,
                tally.tornTails, tally.inFlightApplied, tally.inFlightNotApplied, WRITERS * KEYS_PER_WRITER,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), fileSystemStats);
        violations.stream().limit(20).forEach(violation -> System.out.println("  " + violation));
        assertThat(this.acknowledged.get()).isGreaterThanOrEqualTo(300L * rounds);
        assertThat(fileSystemStats.get("fsync") + fileSystemStats.get("fdatasync"))
                .as("fsyncs the file system saw").isPositive();
        return new Outcome(seed, violations, tally.lost, tally.lostBeyondWindow, fileSystemStats);
    }

    private ServerProcess startServer(Path work, String fsync) {
        return ServerProcess.start(work, "--keystonelight.storage.data-file=" + this.disk.folder().resolve("db.txt"),
                "--keystonelight.storage.fsync=" + fsync);
    }

    /** The file system's counts ({@code stats: fsync=3 ...}), summed over its mounts. */
    private static final class FileSystemStats {

        private final Map<String, Long> counts = new LinkedHashMap<>();

        void add(String stats) {
            for (String pair : stats.substring(stats.indexOf(':') + 1).trim().split(" ")) {
                String[] nameAndCount = pair.split("=");
                if (!nameAndCount[0].equals("used")) {
                    this.counts.merge(nameAndCount[0], Long.parseLong(nameAndCount[1]), Long::sum);
                }
            }
        }

        long get(String name) {
            return this.counts.getOrDefault(name, 0L);
        }

        @Override
        public String toString() {
            return this.counts.toString();
        }
    }

    /** Counts over all rounds. */
    private static final class Tally {

        /** Acknowledged writes whose effect was missing after a restart. */
        long lost;

        /** Of those, acknowledged longer than the allowed window before their cut. */
        long lostBeyondWindow;

        long oldestLostAge;

        /** Keys found holding a value that was never acknowledged nor in flight. */
        long neverWritten;

        int inFlightApplied;

        int inFlightNotApplied;

        int tornTails;
    }

    private static void countTornTail(ServerProcess server, Tally tally) {
        if (server.output().contains("ends with an incomplete record")) {
            tally.tornTails++;
        }
    }

    /**
     * Reads every key and checks it against its history since the last check; then takes what
     * was read as the truth for the next round.
     */
    private void verify(ServerProcess server, List<Writer> writers, int round, long cutAt, long windowMs,
            List<String> violations, Tally tally) {
        long window = TimeUnit.MILLISECONDS.toNanos(windowMs);
        try (LineClient client = server.connect()) {
            for (Writer writer : writers) {
                for (int k = 0; k < KEYS_PER_WRITER; k++) {
                    String key = writer.key(k);
                    String reply = client.call("get " + key);
                    String actual = reply.equals("NOT_FOUND") ? null : reply.substring("VALUE ".length());
                    List<State> states = writer.history.get(key);
                    int last = states.size() - 1;
                    // The oldest state the key may be found in: the last one acknowledged at least the
                    // window before the cut (under always, its last acknowledged state).
                    int oldestAllowed = 0;
                    for (int i = last; i >= 0; i--) {
                        long acknowledgedAt = states.get(i).acknowledgedAt;
                        if (acknowledgedAt == Long.MIN_VALUE || cutAt - acknowledgedAt >= window) {
                            oldestAllowed = i;
                            break;
                        }
                    }
                    int found = -1;
                    for (int i = last; i >= oldestAllowed; i--) {
                        if (Objects.equals(states.get(i).value, actual)) {
                            found = i;
                            break;
                        }
                    }
                    Write inFlight = writer.inFlight != null && writer.inFlight.key.equals(key) ? writer.inFlight
                            : null;
                    boolean inFlightMatches = inFlight != null && Objects.equals(inFlight.value, actual);
                    if (found == last) {
                        if (inFlight != null && !inFlightMatches) {
                            tally.inFlightNotApplied++;
                        }
                    }
                    else if (inFlightMatches) {
                        tally.inFlightApplied++;
                    }
                    else if (found >= 0) {
                        tally.lost += last - found;
                        tally.oldestLostAge = Math.max(tally.oldestLostAge,
                                cutAt - states.get(found + 1).acknowledgedAt);
                    }
                    else {
                        int older = olderStateHolding(states, oldestAllowed, actual);
                        if (older >= 0) {
                            tally.lost += last - older;
                            tally.lostBeyondWindow += oldestAllowed - older;
                            tally.oldestLostAge = Math.max(tally.oldestLostAge,
                                    cutAt - states.get(older + 1).acknowledgedAt);
                        }
                        else {
                            tally.neverWritten++;
                        }
                        violations.add("after restart " + round + ": " + key + " holds " + describe(actual)
                                + ", but its last acknowledged state is " + describe(states.get(last).value)
                                + describeOlder(states, oldestAllowed, actual, cutAt)
                                + (inFlight == null ? "" : " and the write in flight was "
                                        + describe(inFlight.value)));
                    }
                    writer.settle(key, actual);
                }
                writer.inFlight = null;
            }
        }
    }

    private static String describe(String value) {
        return value == null ? "no value" : "'" + value + "'";
    }

    /** The newest state before {@code oldestAllowed} that holds {@code actual}, or -1. */
    private static int olderStateHolding(List<State> states, int oldestAllowed, String actual) {
        for (int i = oldestAllowed - 1; i >= 0; i--) {
            if (Objects.equals(states.get(i).value, actual)) {
                return i;
            }
        }
        return -1;
    }

    private static String describeOlder(List<State> states, int oldestAllowed, String actual, long cutAt) {
        int older = olderStateHolding(states, oldestAllowed, actual);
        if (older < 0) {
            return " (a value it never held since the last check)";
        }
        State next = states.get(older + 1);
        return " (it held that value before a write acknowledged "
                + TimeUnit.NANOSECONDS.toMillis(cutAt - next.acknowledgedAt) + " ms before the cut: "
                + (states.size() - 1 - older) + " acknowledged writes to it lost)";
    }

    /** Between cut and restart: every whole record on the disk is one a client sent. */
    private void checkEveryRecordWasSent(Path dataFile, int round, List<String> violations) throws IOException {
        byte[] content = Files.readAllBytes(dataFile);
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
                violations.add("after cut " + round + ": line " + lineNumber + " has a key no client used: " + line);
            }
            else if (bar >= 0 && !this.sentValues.contains(line.substring(bar + 1))) {
                violations.add("after cut " + round + ": line " + lineNumber + " has a value no client sent: " + line);
            }
        }
    }

    private void compactUntilTheServerDies(ServerProcess server, int compactEvery) {
        try (LineClient client = server.connect()) {
            while (true) {
                if (compactEvery > 0) {
                    long next = this.acknowledged.get() + compactEvery;
                    await().forever().pollInterval(Duration.ofMillis(5))
                            .until(() -> this.acknowledged.get() >= next || !server.isAlive());
                }
                this.compacting = true;
                String reply = client.call("compact");
                if (reply == null) {
                    return;
                }
                assertThat(reply).startsWith("OK compacted: ");
                this.compacting = false;
                this.compactions.incrementAndGet();
            }
        }
        catch (UncheckedIOException | IllegalStateException serverDied) {
            // The cut: this round is over.
        }
        finally {
            this.compacting = false;
        }
    }

    /** A set ({@code value} not null) or a delete of one key. */
    private record Write(String key, String value) {
    }

    /** A state of a key: its value, and when it was acknowledged ({@code MIN_VALUE}: found at a check). */
    private record State(String value, long acknowledgedAt) {
    }

    /** One client with keys of its own, so that it knows exactly what each of them went through. */
    private final class Writer {

        private final int id;

        private final Random random;

        /** Each key's states since the last check, oldest first: the one found then, and each acknowledged since. */
        private final Map<String, List<State>> history = new HashMap<>();

        /** Sent but not acknowledged: at most one, as the writer waits for each reply. */
        private volatile Write inFlight;

        private long sequence;

        Writer(int id, long seed) {
            this.id = id;
            this.random = new Random(seed);
            for (int k = 0; k < KEYS_PER_WRITER; k++) {
                settle(key(k), null);
            }
        }

        String key(int k) {
            return "power:w" + this.id + ":k" + k;
        }

        void settle(String key, String value) {
            List<State> states = new ArrayList<>();
            states.add(new State(value, Long.MIN_VALUE));
            this.history.put(key, states);
        }

        String current(String key) {
            List<State> states = this.history.get(key);
            return states.get(states.size() - 1).value;
        }

        Void writeUntilTheServerDies(ServerProcess server, int round) {
            try (LineClient client = server.connect()) {
                while (true) {
                    String key = key(this.random.nextInt(KEYS_PER_WRITER));
                    String reply;
                    String expectedReply;
                    if (this.random.nextInt(5) == 0) {
                        this.inFlight = new Write(key, null);
                        expectedReply = "DELETED " + (current(key) != null ? 1 : 0);
                        reply = client.call("del " + key);
                    }
                    else {
                        // Spaces and bars in values check that records split at the first bar.
                        String value = "w" + this.id + "-r" + round + "-" + this.sequence++ + " |x| y";
                        PowerLossHarnessIT.this.sentValues.add(value);
                        this.inFlight = new Write(key, value);
                        expectedReply = "OK";
                        reply = client.call("set " + key + " " + value);
                    }
                    if (reply == null) {
                        return null;
                    }
                    long now = System.nanoTime();
                    assertThat(reply).as("reply to %s", this.inFlight).isEqualTo(expectedReply);
                    this.history.get(key).add(new State(this.inFlight.value, now));
                    this.inFlight = null;
                    PowerLossHarnessIT.this.acknowledged.incrementAndGet();
                }
            }
            catch (UncheckedIOException | IllegalStateException serverDied) {
                // The cut: the write in flight, if any, is settled by the next verification.
                return null;
            }
        }
    }
}
