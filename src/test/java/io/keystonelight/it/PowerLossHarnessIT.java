package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.CrashLoad;
import io.keystonelight.support.PowerLossDisk;
import io.keystonelight.support.ServerProcess;

/**
 * The power-loss harness: the packaged server with its data folder on a file system that forgets
 * what was not fsynced ({@link PowerLossDisk}), concurrent writers and a compaction loop, the
 * power cut at a random moment (sometimes torn at a page boundary), the server restarted on what
 * the disk kept, every key checked, round after round.
 *
 * <p>The writers and the checks are {@link CrashLoad}'s. After each restart every key must hold
 * a state it had: under {@code fsync: always} its last acknowledged state, or the state the write
 * in flight at the cut would have given it; under {@code everysec} the same, or a state it had
 * less than {@value #EVERYSEC_WINDOW_MS_DEFAULT} ms before the cut (the writes after it lost). Between cut and restart every record on the disk
 * must be one a client actually sent.
 *
 * <p>{@code ./mvnw verify} runs a few rounds of each. A longer soak:
 * {@code ./mvnw verify -Dit.test=PowerLossHarnessIT -Dkeystonelight.powerloss.rounds=100
 * -Dit.method.timeout=3h -Dfailsafe.timeout=10800}
 * ({@code -Dkeystonelight.powerloss.seed=...} replays the cut moments and tears of an earlier run).
 */
class PowerLossHarnessIT extends PowerCuts {

    private static final int ROUNDS = Integer.getInteger("keystonelight.powerloss.rounds", 0);

    private static final long EVERYSEC_WINDOW_MS_DEFAULT = 2000;

    private static final long EVERYSEC_WINDOW_MS = Long.getLong("keystonelight.powerloss.everysec-window-ms",
            EVERYSEC_WINDOW_MS_DEFAULT);

    private static final int WRITERS = 8;

    private static final int KEYS_PER_WRITER = 100;

    @TempDir
    Path folder;

    @Override
    protected String what() {
        return "power-loss harness";
    }

    @Test
    void underFsyncAlwaysNoAcknowledgedWriteIsLostAcrossPowerCutsAtRandomMoments() throws Exception {
        Outcome outcome = run("always", ROUNDS > 0 ? ROUNDS : 4, 0, 0);
        assertThat(outcome.lost).as("acknowledged writes lost (seed %d)", outcome.seed).isZero();
        assertThat(outcome.violations).as("acknowledged writes lost or values never sent (seed %d)", outcome.seed)
                .isEmpty();
        assertThat(outcome.compactions).as("compactions answered").isPositive();
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
    private record Outcome(long seed, List<String> violations, long lost, long lostBeyondWindow, long compactions,
            FileSystemStats fileSystem) {
    }

    /**
     * @param windowMs how long before the cut an acknowledged write may be lost (0: none may)
     * @param compactEvery acknowledged writes between two compactions (0: one after the other)
     */
    private Outcome run(String fsync, int rounds, long windowMs, int compactEvery) throws Exception {
        long seed = Long.getLong("keystonelight.powerloss.seed", System.nanoTime());
        Random random = new Random(seed);
        CrashLoad load = new CrashLoad("power", WRITERS, KEYS_PER_WRITER, random);
        Path base = this.folder.resolve("fs");
        Path work = Files.createDirectories(this.folder.resolve("work"));
        List<String> violations = new ArrayList<>();
        CrashLoad.Tally tally = new CrashLoad.Tally();
        int tornTails = 0;
        FileSystemStats fileSystemStats = new FileSystemStats();
        long cutAt = 0;
        int cutsDuringCompaction = 0;
        int tornCuts = 0;
        long started = System.nanoTime();
        for (int round = 1; round <= rounds; round++) {
            long acknowledgedBefore = load.acknowledged();
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
            tornTails += tornTail(this.server);
            load.serverServes();
            load.verify(this.server, round, cutAt, windowMs, violations, tally);
            List<Callable<?>> clients = new ArrayList<>();
            ServerProcess serving = this.server;
            for (CrashLoad.Writer writer : load.writers()) {
                int thisRound = round;
                clients.add(() -> writer.writeUntilTheServerGoes(serving, thisRound));
            }
            clients.add(() -> load.compactUntilTheServerGoes(serving, compactEvery));
            long loadStarted = System.nanoTime();
            boolean[] duringCompaction = new boolean[1];
            long[] cutMoment = new long[1];
            String dropped = cutWhileRunning(clients, () -> load.acknowledged() - acknowledgedBefore >= cutAfter
                    && System.nanoTime() - loadStarted >= cutNoSoonerThan, () -> {
                        duringCompaction[0] = load.compacting();
                        fileSystemStats.add(this.disk.stats());
                        // The power goes between this moment and the file system's answer; the kills after
                        // it take time that is not part of any write's age.
                        load.serverGoes();
                        cutMoment[0] = System.nanoTime();
                    }, tear);
            cutAt = cutMoment[0];
            this.server.close();
            this.server = null;
            if (duringCompaction[0]) {
                cutsDuringCompaction++;
            }
            if (tear != null) {
                tornCuts++;
            }
            System.out.printf("power loss %s round %d: server started in %d ms, cut after %d acknowledged writes%s%s; "
                    + "%s%n", fsync, round, startMillis, load.acknowledged() - acknowledgedBefore,
                    tear == null ? "" : ", torn", duringCompaction[0] ? ", during a compaction" : "", dropped);
            load.checkEveryRecordWasSent(base.resolve("disk").resolve("db.txt"), "cut " + round, violations);
        }
        this.disk = PowerLossDisk.mount(base);
        try {
            this.server = startServer(work, fsync);
            tornTails += tornTail(this.server);
            load.serverServes();
            load.verify(this.server, rounds + 1, cutAt, windowMs, violations, tally);
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
                + "file system %s)%n", fsync, rounds, load.acknowledged(), lostText, tally.neverWritten,
                violations.size(), seed, WRITERS, load.compactions(), tornCuts, cutsDuringCompaction,
                tornTails, tally.inFlightApplied, tally.inFlightNotApplied, load.keys(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), fileSystemStats);
        violations.stream().limit(20).forEach(violation -> System.out.println("  " + violation));
        assertThat(load.acknowledged()).isGreaterThanOrEqualTo(300L * rounds);
        assertThat(fileSystemStats.get("fsync") + fileSystemStats.get("fdatasync"))
                .as("fsyncs the file system saw").isPositive();
        return new Outcome(seed, violations, tally.lost, tally.lostBeyondWindow, load.compactions(), fileSystemStats);
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

    /** 1 where the server cut a torn tail off the data file at its start, else 0. */
    private static int tornTail(ServerProcess server) {
        return server.output().contains("ends with an incomplete record") ? 1 : 0;
    }
}
