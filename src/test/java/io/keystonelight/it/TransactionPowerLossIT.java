package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.PowerLossDisk;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerProcess;

/**
 * Transactions under the power-loss harness: writers run {@code MULTI}/{@code EXEC} groups that
 * touch keys of three types at once while a compaction loop runs, the power is cut at a random
 * moment with every cut torn (a random page-aligned prefix of the data not yet fsynced reaches
 * the disk, which can end in the middle of anything), the server restarted on what the disk kept.
 *
 * <p>The {@code n}-th transaction of a writer increments each of its {@value #COUNTERS} counters,
 * sets its hash's {@code last} to {@code n} and {@code payload} to a value of its own (hundreds of
 * bytes, so that one transaction's records span a page boundary), and adds {@code n} to its list
 * and to its set. So a writer's keys always say how many of its transactions were applied, and
 * any two of them that disagree show a transaction kept in part. After each restart every writer
 * must hold {@code v} whole transactions and nothing of a {@code v+1}-th; {@code v} at least its
 * last acknowledged one (under {@code everysec}: the last acknowledged
 * {@value #EVERYSEC_WINDOW_MS} ms before the cut) and at most the one in flight.
 *
 * <p>{@code ./mvnw verify} runs a few rounds; a longer run:
 * {@code ./mvnw verify -Dit.test=TransactionPowerLossIT -Dkeystonelight.powerloss.tx-rounds=50
 * -Dit.method.timeout=3h -Dfailsafe.timeout=10800} ({@code -Dkeystonelight.powerloss.seed=...}
 * replays the cut moments and tears of an earlier run).
 */
class TransactionPowerLossIT extends PowerCuts {

    private static final int ROUNDS = Integer.getInteger("keystonelight.powerloss.tx-rounds", 0);

    private static final long EVERYSEC_WINDOW_MS = 2000;

    private static final int WRITERS = 6;

    private static final int COUNTERS = 5;

    private static final int EXTRA_ROUNDS = 4;

    @TempDir
    Path folder;

    @Override
    protected String what() {
        return "transactions under power loss";
    }

    @Test
    void underFsyncAlwaysEveryAcknowledgedTransactionIsKeptWholeAndNoneInPart() throws Exception {
        Outcome outcome = run("always", ROUNDS > 0 ? ROUNDS : 2, 0, shared -> shared.compactions.get() > 0);
        assertThat(outcome.compactions).as("compactions answered").isPositive();
    }

    @Test
    void underFsyncEverysecATornCutKeepsNoTransactionInPart() throws Exception {
        Outcome outcome = run("everysec", ROUNDS > 0 ? ROUNDS : 2, EVERYSEC_WINDOW_MS, shared -> shared.lost > 0);
        // The tears did cut into acknowledged transactions: without that there was nothing to keep in part.
        assertThat(outcome.lost).as("acknowledged transactions the torn cuts dropped").isPositive();
    }

    /** What the rounds found; any violation has failed the run already. */
    private record Outcome(long lost, long compactions) {
    }

    /**
     * @param rounds the power cuts to make at least
     * @param enough what the rounds must have seen for the test to mean something (a compaction
     * between cuts, a cut that dropped acknowledged transactions); while it is not seen, up to
     * {@value #EXTRA_ROUNDS} more rounds are made, since one random cut may miss it
     */
    private Outcome run(String fsync, int rounds, long windowMs, Predicate<Shared> enough) throws Exception {
        long seed = Long.getLong("keystonelight.powerloss.seed", System.nanoTime());
        Random random = new Random(seed);
        Path base = this.folder.resolve("fs");
        Path work = Files.createDirectories(this.folder.resolve("work"));
        List<TransactionWriter> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(new TransactionWriter(w, random.nextLong()));
        }
        Shared shared = new Shared();
        List<String> violations = new ArrayList<>();
        long cutAt = 0;
        long started = System.nanoTime();
        int made = 0;
        for (int round = 1; ; round++) {
            this.disk = PowerLossDisk.mount(base);
            long starting = System.nanoTime();
            this.server = ServerProcess.start(work, "--keystonelight.storage.data-file="
                    + this.disk.folder().resolve("db.txt"), "--keystonelight.storage.fsync=" + fsync);
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting);
            shared.serverGoes = false;
            try (RespConnection reader = RespConnection.connect(this.server.port())) {
                for (TransactionWriter writer : writers) {
                    writer.verify(reader, round, cutAt, TimeUnit.MILLISECONDS.toNanos(windowMs), violations, shared);
                }
            }
            // Writers resume from what they found, so a wrong state must stop the run before they meet it.
            assertThat(violations).as("after restart %d under fsync %s: transactions kept in part, acknowledged ones "
                    + "lost%s, or ones never sent (seed %d)", round, fsync, windowMs == 0 ? ""
                            : " more than " + windowMs + " ms before the cut", seed).isEmpty();
            if (round > rounds && (enough.test(shared) || round > rounds + EXTRA_ROUNDS)) {
                this.server.signal("TERM");
                this.server.awaitExit(Duration.ofSeconds(30));
                this.server = null;
                this.disk.close();
                this.disk = null;
                break;
            }
            made++;
            long acknowledgedBefore = shared.acknowledged.get();
            long loadStarted = System.nanoTime();
            int cutAfter = 50 + random.nextInt(250);
            // Under everysec a round lasts long enough for the once-a-second fsync to run, at a random phase of it.
            long cutNoSoonerThan = fsync.equals("always") ? 0
                    : TimeUnit.MILLISECONDS.toNanos(1500 + random.nextInt(2000));
            List<Callable<?>> clients = new ArrayList<>();
            ServerProcess serving = this.server;
            for (TransactionWriter writer : writers) {
                clients.add(() -> writer.runUntilTheServerGoes(serving, shared));
            }
            clients.add(() -> compactUntilTheServerGoes(serving, shared));
            boolean[] duringCompaction = new boolean[1];
            long[] cutMoment = new long[1];
            String dropped = cutWhileRunning(clients, () -> shared.acknowledged.get() - acknowledgedBefore >= cutAfter
                    && System.nanoTime() - loadStarted >= cutNoSoonerThan, () -> {
                        duringCompaction[0] = shared.compacting;
                        shared.serverGoes = true;
                        cutMoment[0] = System.nanoTime();
                    }, random.nextLong());
            cutAt = cutMoment[0];
            this.server.close();
            this.server = null;
            System.out.printf("transactions under power loss, %s, round %d: server started in %d ms, cut after "
                    + "%d acknowledged EXECs in %d ms%s; %s%n", fsync, round, startMillis,
                    shared.acknowledged.get() - acknowledgedBefore,
                    TimeUnit.NANOSECONDS.toMillis(cutAt - loadStarted),
                    duringCompaction[0] ? ", during a compaction" : "", dropped);
        }
        System.out.printf("transactions under power loss (fsync %s): %d rounds, %d EXECs acknowledged, %d of them "
                + "lost at cuts (allowed: %s), %d in flight found applied, %d not, %d compactions "
                + "(seed %d; %d writers; %d s)%n", fsync, made, shared.acknowledged.get(), shared.lost,
                windowMs == 0 ? "none" : "those of the last " + windowMs + " ms", shared.inFlightApplied,
                shared.inFlightNotApplied, shared.compactions.get(), seed, WRITERS,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        return new Outcome(shared.lost, shared.compactions.get());
    }

    /** What the writers and the compaction loop share with the round. */
    private static final class Shared {

        final AtomicLong acknowledged = new AtomicLong();

        final AtomicLong compactions = new AtomicLong();

        volatile boolean compacting;

        /** Set just before the cut: from then on a connection may end. */
        volatile boolean serverGoes;

        long lost;

        int inFlightApplied;

        int inFlightNotApplied;

        Void connectionEnded(String who, String request, Exception why) {
            if (!this.serverGoes) {
                throw new AssertionError(who + "'s connection ended while the server was meant to be running, "
                        + "waiting for the reply to " + request + (why == null ? "" : ": " + why.getMessage()), why);
            }
            return null;
        }
    }

    /** Compacts after every 50 acknowledged transactions, so that cuts fall before, during and after one. */
    private static Void compactUntilTheServerGoes(ServerProcess server, Shared shared) {
        try (LineClient client = server.connect()) {
            while (true) {
                long next = shared.acknowledged.get() + 50;
                await().forever().pollInterval(Duration.ofMillis(5))
                        .until(() -> shared.acknowledged.get() >= next || shared.serverGoes);
                shared.compacting = true;
                String reply = client.call("compact");
                if (reply == null) {
                    return shared.connectionEnded("the compaction loop", "compact", null);
                }
                if (!reply.startsWith("OK compacted: ")) {
                    throw new AssertionError("compact was answered '" + reply + "', where 'OK compacted: ...' "
                            + "was expected");
                }
                shared.compacting = false;
                shared.compactions.incrementAndGet();
            }
        }
        catch (UncheckedIOException ex) {
            return shared.connectionEnded("the compaction loop", "compact", ex);
        }
        finally {
            shared.compacting = false;
        }
    }

    /** One client running transactions over keys of its own, so that it knows exactly how many were applied. */
    private static final class TransactionWriter {

        private final int id;

        private final Random random;

        /** Transactions applied at the last check. */
        private long applied;

        /** When each transaction after {@link #applied} was acknowledged, by number. */
        private final List<Long> acknowledgedAt = new ArrayList<>();

        /** The number of the transaction sent and not answered, or 0. */
        private volatile long inFlight;

        TransactionWriter(int id, long seed) {
            this.id = id;
            this.random = new Random(seed);
        }

        private String key(String name) {
            return "tx:w" + this.id + ":" + name;
        }

        private long acknowledged() {
            return this.applied + this.acknowledgedAt.size();
        }

        /** The payload of the n-th transaction: its own length and content, spaces and bars to be escaped. */
        private String payload(long n) {
            String unit = "w" + this.id + " n" + n + "|";
            int length = 300 + (int) ((n * 7919 + this.id * 104729L) % 1500);
            return unit.repeat(length / unit.length() + 1).substring(0, length);
        }

        Void runUntilTheServerGoes(ServerProcess server, Shared shared) {
            String request = "connect";
            try (RespConnection client = RespConnection.connect(server.port())) {
                while (true) {
                    long n = acknowledged() + 1;
                    List<String[]> commands = new ArrayList<>();
                    commands.add(new String[] { "MULTI" });
                    StringBuilder expected = new StringBuilder("*" + (COUNTERS + 3) + "\r\n");
                    // The counters in a random order each time: the order in the file must not matter.
                    int first = this.random.nextInt(COUNTERS);
                    for (int i = 0; i < COUNTERS; i++) {
                        commands.add(new String[] { "INCR", key("c" + (first + i) % COUNTERS) });
                        expected.append(':').append(n).append("\r\n");
                    }
                    commands.add(new String[] { "HSET", key("h"), "last", Long.toString(n), "payload", payload(n) });
                    expected.append(':').append(n == 1 ? 2 : 0).append("\r\n");
                    commands.add(new String[] { "RPUSH", key("l"), Long.toString(n) });
                    expected.append(':').append(n).append("\r\n");
                    commands.add(new String[] { "SADD", key("s"), Long.toString(n) });
                    expected.append(":1\r\n");
                    commands.add(new String[] { "EXEC" });
                    ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
                    for (String[] command : commands) {
                        pipeline.writeBytes(RespConnection.request(command));
                    }
                    request = "transaction " + n;
                    this.inFlight = n;
                    client.send(pipeline.toByteArray());
                    List<String> replies = new ArrayList<>();
                    for (int i = 0; i < commands.size(); i++) {
                        replies.add(client.readReply());
                    }
                    long now = System.nanoTime();
                    List<String> expectedReplies = new ArrayList<>();
                    expectedReplies.add("+OK\r\n");
                    for (int i = 1; i < commands.size() - 1; i++) {
                        expectedReplies.add("+QUEUED\r\n");
                    }
                    expectedReplies.add(expected.toString());
                    if (!replies.equals(expectedReplies)) {
                        throw new AssertionError("writer " + this.id + ": " + request + " was answered " + replies
                                + ", where " + expectedReplies + " was expected");
                    }
                    this.acknowledgedAt.add(now);
                    this.inFlight = 0;
                    shared.acknowledged.incrementAndGet();
                }
            }
            catch (UncheckedIOException ex) {
                // The transaction in flight, if any, is settled by the next check.
                return shared.connectionEnded("writer " + this.id, request, ex);
            }
        }

        /**
         * Reads every key of the writer and checks that they hold {@code v} whole transactions, {@code v}
         * within what the cut allows; then takes {@code v} as the truth for the next round.
         */
        void verify(RespConnection client, int round, long cutAt, long window, List<String> violations,
                Shared shared) {
            List<Long> counters = new ArrayList<>();
            for (int i = 0; i < COUNTERS; i++) {
                counters.add(number(client.call("GET", key("c" + i)), 0));
            }
            long last = number(client.call("HGET", key("h"), "last"), 0);
            String payload = client.call("HGET", key("h"), "payload");
            long listLength = number(client.call("LLEN", key("l")), 0);
            long listTail = number(client.call("LINDEX", key("l"), "-1"), 0);
            long setSize = number(client.call("SCARD", key("s")), 0);
            long v = counters.get(0);
            String where = "after restart " + round + ", writer " + this.id;
            String expectedPayload = v == 0 ? "$-1\r\n" : bulk(payload(v));
            if (counters.stream().anyMatch(c -> c != v) || last != v || listLength != v || listTail != v
                    || setSize != v || !payload.equals(expectedPayload)) {
                violations.add(where + " holds a transaction in part: counters " + counters + ", hash's last "
                        + last + (payload.equals(expectedPayload) ? "" : " and a payload not that of transaction "
                                + v)
                        + ", list length " + listLength + " ending in " + listTail + ", set size " + setSize
                        + ", where all would be equal");
            }
            long inFlightNow = this.inFlight;
            long acknowledged = acknowledged();
            // The oldest state allowed: the last transaction acknowledged at least the window before the cut.
            long required = this.applied;
            for (int i = this.acknowledgedAt.size() - 1; i >= 0; i--) {
                if (cutAt - this.acknowledgedAt.get(i) >= window) {
                    required = this.applied + i + 1;
                    break;
                }
            }
            if (v < required) {
                violations.add(where + " holds " + v + " transactions, but " + (required == this.applied
                        ? "it held " + required + " at the last check"
                        : "transaction " + required + " was acknowledged " + TimeUnit.NANOSECONDS.toMillis(
                                cutAt - this.acknowledgedAt.get((int) (required - this.applied - 1)))
                                + " ms before the cut"));
            }
            else if (v > acknowledged && !(v == acknowledged + 1 && inFlightNow == v)) {
                violations.add(where + " holds " + v + " transactions, but only " + acknowledged
                        + " were acknowledged" + (inFlightNow == 0 ? "" : " and " + inFlightNow + " was in flight"));
            }
            if (v < acknowledged) {
                shared.lost += acknowledged - v;
            }
            if (inFlightNow != 0) {
                if (v == inFlightNow) {
                    shared.inFlightApplied++;
                }
                else {
                    shared.inFlightNotApplied++;
                }
            }
            this.applied = v;
            this.acknowledgedAt.clear();
            this.inFlight = 0;
        }

        private static String bulk(String text) {
            return "$" + text.length() + "\r\n" + text + "\r\n";
        }

        /** The number an integer reply or a bulk string holds; {@code none} for a nil. */
        private static long number(String reply, long none) {
            if (reply.startsWith(":")) {
                return Long.parseLong(reply.substring(1, reply.length() - 2));
            }
            if (reply.equals("$-1\r\n")) {
                return none;
            }
            if (reply.startsWith("$")) {
                return Long.parseLong(reply.substring(reply.indexOf('\n') + 1, reply.length() - 2));
            }
            throw new AssertionError("'" + reply + "' was read, where an integer or a bulk string was expected");
        }
    }
}
