package io.keystonelight.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The load the crash and power-loss harnesses put on a server, and what they check after it
 * was killed: writers with keys of their own, a compaction loop, every key's history since the
 * last check, and the records found in the data file.
 *
 * <p>Every write is recorded before it is sent, and its acknowledgement with the time it
 * arrived. After a restart every key must hold a state it had: its last acknowledged state, or
 * the state the write in flight at the kill would have given it, or (with a window, as under
 * {@code fsync: everysec}) a state it had less than the window before the kill. Between kill and
 * restart every record in the data file, in any of its forms, must be one a client sent.
 *
 * <p>A client expects its connection to end only once {@link #serverGoes()} was called: a
 * connection that ends before, and any reply other than the one expected, fails the test,
 * named, from the client's task.
 */
public final class CrashLoad {

    private final String prefix;

    private final int keysPerWriter;

    private final Pattern keyPattern;

    private final List<Writer> writers = new ArrayList<>();

    /** Every value any client ever sent, acknowledged or not. */
    private final Set<String> sentValues = ConcurrentHashMap.newKeySet();

    private final AtomicLong acknowledged = new AtomicLong();

    private final AtomicLong compactions = new AtomicLong();

    private volatile boolean compacting;

    private volatile boolean serverGoes;

    /**
     * @param prefix the first part of every key ({@code crash}: keys {@code crash:w0:k0} ...)
     * @param random where each writer's own random sequence is drawn from
     */
    public CrashLoad(String prefix, int writers, int keysPerWriter, Random random) {
        this.prefix = prefix;
        this.keysPerWriter = keysPerWriter;
        this.keyPattern = Pattern.compile(Pattern.quote(prefix) + ":w\\d+:k\\d+");
        for (int w = 0; w < writers; w++) {
            this.writers.add(new Writer(w, random.nextLong()));
        }
    }

    public List<Writer> writers() {
        return this.writers;
    }

    public long acknowledged() {
        return this.acknowledged.get();
    }

    public long compactions() {
        return this.compactions.get();
    }

    /** Whether a compaction was asked for and not yet answered. */
    public boolean compacting() {
        return this.compacting;
    }

    public int keys() {
        return this.writers.size() * this.keysPerWriter;
    }

    /** A new server serves: from now on a connection that ends is a failure. */
    public void serverServes() {
        this.serverGoes = false;
    }

    /** Called just before the server is killed: from now on connections may end. */
    public void serverGoes() {
        this.serverGoes = true;
    }

    /**
     * Asks for compaction over and over ({@code compactEvery} acknowledged writes apart; 0: one
     * after the other) until the server goes.
     */
    public Void compactUntilTheServerGoes(ServerProcess server, int compactEvery) {
        try (LineClient client = server.connect()) {
            while (true) {
                if (compactEvery > 0) {
                    long next = this.acknowledged.get() + compactEvery;
                    await().forever().pollInterval(Duration.ofMillis(5))
                            .until(() -> this.acknowledged.get() >= next || this.serverGoes);
                }
                this.compacting = true;
                String reply = client.call("compact");
                if (reply == null) {
                    return connectionEnded("the compaction loop", "compact", null);
                }
                if (!reply.startsWith("OK compacted: ")) {
                    throw new AssertionError("compact was answered '" + reply + "', where 'OK compacted: ...' was "
                            + "expected");
                }
                this.compacting = false;
                this.compactions.incrementAndGet();
            }
        }
        catch (UncheckedIOException ex) {
            return connectionEnded("the compaction loop", "compact", ex);
        }
        finally {
            this.compacting = false;
        }
    }

    private Void connectionEnded(String who, String request, Exception why) {
        if (!this.serverGoes) {
            throw new AssertionError(who + "'s connection ended while the server was meant to be running, waiting "
                    + "for the reply to " + request + (why == null ? "" : ": " + why.getMessage()), why);
        }
        return null;
    }

    /** Counts over all rounds. */
    public static final class Tally {

        /** Acknowledged writes whose effect was missing after a restart. */
        public long lost;

        /** Of those, acknowledged longer than the allowed window before their kill. */
        public long lostBeyondWindow;

        public long oldestLostAge;

        /** Keys found holding a value that was never acknowledged nor in flight. */
        public long neverWritten;

        public int inFlightApplied;

        public int inFlightNotApplied;
    }

    /**
     * Reads every key and checks it against its history since the last check; then takes what
     * was read as the truth for the next round.
     * @param killedAt {@link System#nanoTime()} at the kill
     * @param windowMs how long before the kill an acknowledged write may be lost (0: none may)
     */
    public void verify(ServerProcess server, int round, long killedAt, long windowMs, List<String> violations,
            Tally tally) {
        long window = TimeUnit.MILLISECONDS.toNanos(windowMs);
        try (LineClient client = server.connect()) {
            verifyOver(client, round, killedAt, window, violations, tally);
        }
        catch (java.io.UncheckedIOException ex) {
            // A connection lost while checking says nothing by itself: what the server said does.
            String output = server.output();
            throw new AssertionError("the check after restart " + round + " lost its connection (" + ex.getCause()
                    + "); the server is " + (server.isAlive() ? "still running" : "gone") + ", its last lines:\n"
                    + String.join("\n", output.lines().skip(Math.max(0, output.lines().count() - 40)).toList()), ex);
        }
    }

    private void verifyOver(LineClient client, int round, long killedAt, long window, List<String> violations,
            Tally tally) {
        for (Writer writer : this.writers) {
            for (int k = 0; k < this.keysPerWriter; k++) {
                String key = writer.key(k);
                String reply = client.call("get " + key);
                if (reply == null || !(reply.equals("NOT_FOUND") || reply.startsWith("VALUE "))) {
                    throw new AssertionError("get " + key + " after restart " + round + " was answered "
                            + (reply == null ? "by the connection ending" : "'" + reply + "'")
                            + ", where NOT_FOUND or VALUE ... was expected");
                }
                String actual = reply.equals("NOT_FOUND") ? null : reply.substring("VALUE ".length());
                check(writer, key, actual, round, killedAt, window, violations, tally);
                writer.settle(key, actual);
            }
            writer.inFlight = null;
        }
    }

    private static void check(Writer writer, String key, String actual, int round, long killedAt, long window,
            List<String> violations, Tally tally) {
        List<State> states = writer.history.get(key);
        int last = states.size() - 1;
        // The oldest state the key may be found in: the last one acknowledged at least the window
        // before the kill (without a window, its last acknowledged state).
        int oldestAllowed = 0;
        for (int i = last; i >= 0; i--) {
            long acknowledgedAt = states.get(i).acknowledgedAt;
            if (acknowledgedAt == Long.MIN_VALUE || killedAt - acknowledgedAt >= window) {
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
        Write inFlight = writer.inFlight != null && writer.inFlight.key.equals(key) ? writer.inFlight : null;
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
            tally.oldestLostAge = Math.max(tally.oldestLostAge, killedAt - states.get(found + 1).acknowledgedAt);
        }
        else {
            int older = olderStateHolding(states, oldestAllowed, actual);
            if (older >= 0) {
                tally.lost += last - older;
                tally.lostBeyondWindow += oldestAllowed - older;
                tally.oldestLostAge = Math.max(tally.oldestLostAge, killedAt - states.get(older + 1).acknowledgedAt);
            }
            else {
                tally.neverWritten++;
            }
            violations.add("after restart " + round + ": " + key + " holds " + describe(actual)
                    + ", but its last acknowledged state is " + describe(states.get(last).value)
                    + describeOlder(states, oldestAllowed, actual, killedAt)
                    + (inFlight == null ? "" : " and the write in flight was " + describe(inFlight.value)));
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

    private static String describeOlder(List<State> states, int oldestAllowed, String actual, long killedAt) {
        int older = olderStateHolding(states, oldestAllowed, actual);
        if (older < 0) {
            return " (a value it never held since the last check)";
        }
        State next = states.get(older + 1);
        return " (it held that value before a write acknowledged "
                + TimeUnit.NANOSECONDS.toMillis(killedAt - next.acknowledgedAt) + " ms before the kill: "
                + (states.size() - 1 - older) + " acknowledged writes to it lost)";
    }

    /**
     * Between kill and restart: every whole record in the data file, plain or escaped, is one a
     * client sent (a flush, which none sends, is not).
     */
    public void checkEveryRecordWasSent(Path dataFile, String event, List<String> violations) throws IOException {
        for (DataFileContent.Record record : DataFileContent.records(Files.readAllBytes(dataFile), dataFile)) {
            String where = "after " + event + ": line " + record.line();
            if (record.kind() == DataFileContent.Kind.FLUSH) {
                violations.add(where + " is a flush, which no client sent");
            }
            else if (!this.keyPattern.matcher(record.key()).matches()) {
                violations.add(where + " has a key no client used: " + record);
            }
            else if (record.kind() == DataFileContent.Kind.SET && !this.sentValues.contains(record.value())) {
                violations.add(where + " has a value no client sent: " + record);
            }
        }
    }

    /** A set ({@code value} not null) or a delete of one key. */
    private record Write(String key, String value) {
    }

    /** A state of a key: its value, and when it was acknowledged ({@code MIN_VALUE}: found at a check). */
    private record State(String value, long acknowledgedAt) {
    }

    /** One client with keys of its own, so that it knows exactly what each of them went through. */
    public final class Writer {

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
            for (int k = 0; k < CrashLoad.this.keysPerWriter; k++) {
                settle(key(k), null);
            }
        }

        String key(int k) {
            return CrashLoad.this.prefix + ":w" + this.id + ":k" + k;
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

        /** Sets and deletes its keys at random until the server goes. */
        public Void writeUntilTheServerGoes(ServerProcess server, int round) {
            String request = "connect";
            try (LineClient client = server.connect()) {
                while (true) {
                    String key = key(this.random.nextInt(CrashLoad.this.keysPerWriter));
                    String expectedReply;
                    if (this.random.nextInt(5) == 0) {
                        this.inFlight = new Write(key, null);
                        expectedReply = "DELETED " + (current(key) != null ? 1 : 0);
                        request = "del " + key;
                    }
                    else {
                        // Spaces and bars in values check that records split at the first bar.
                        String value = "w" + this.id + "-r" + round + "-" + this.sequence++ + " |x| y";
                        CrashLoad.this.sentValues.add(value);
                        this.inFlight = new Write(key, value);
                        expectedReply = "OK";
                        request = "set " + key + " " + value;
                    }
                    String reply = client.call(request);
                    if (reply == null) {
                        return connectionEnded("writer " + this.id, request, null);
                    }
                    long now = System.nanoTime();
                    if (!reply.equals(expectedReply)) {
                        throw new AssertionError("writer " + this.id + ": " + request + " was answered '" + reply
                                + "', where '" + expectedReply + "' was expected");
                    }
                    this.history.get(key).add(new State(this.inFlight.value, now));
                    this.inFlight = null;
                    CrashLoad.this.acknowledged.incrementAndGet();
                }
            }
            catch (UncheckedIOException ex) {
                // The write in flight, if any, is settled by the next verification.
                return connectionEnded("writer " + this.id, request, ex);
            }
        }
    }
}
