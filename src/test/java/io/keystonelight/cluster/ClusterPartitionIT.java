package io.keystonelight.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

import io.keystonelight.cluster.LinearizabilityChecker.Kind;
import io.keystonelight.cluster.LinearizabilityChecker.Op;
import io.keystonelight.support.ClusterProcesses;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.ProxyNetwork;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nodes that reach each other only through a {@link ProxyNetwork}, and a nemesis that cuts
 * it: the leader isolated, a minority split off, a bridge (one node sees both halves, which do
 * not see each other), a flapping link, the leader paused. Clients pinned to every node
 * overwrite and read a few registers, so a stale read or a lost or reordered write shows; the
 * history must be linearizable and every reply must be one the server promises.
 *
 * <p>It runs about 40 seconds in verify; {@code -Dkeystonelight.partition.seconds=600} runs it
 * longer, {@code -Dkeystonelight.partition.seed=N} repeats a schedule.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ResourceLock(ClusterProcesses.NODES)
class ClusterPartitionIT {

    private static final Duration ELECTION = Duration.ofSeconds(60);

    private static final List<String> IDS = List.of("n1", "n2", "n3");

    private static final List<String> KEYS = List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7");

    /** Each fault lasts this long: twice the longest election timeout, so a new leader is elected meanwhile. */
    private static final Duration FAULT = Duration.ofSeconds(4);

    /** Longer than any reply the server promises (write timeout 3 s, a pause of 4 s). */
    private static final int CLIENT_TIMEOUT_MS = 20_000;

    private static final int THINK_MS = Integer.getInteger("keystonelight.partition.think-ms", 60);

    @TempDir
    static Path folder;

    /** One network and cluster for the class: each test heals what it cut, and the next one checks. */
    private static ProxyNetwork network;

    private static ClusterProcesses cluster;

    private final AtomicBoolean stopping = new AtomicBoolean();

    private final List<Op> history = Collections.synchronizedList(new ArrayList<>());

    /** The client (and so the node) of each operation, for the failure message. */
    private final Map<Op, String> who = Collections.synchronizedMap(new IdentityHashMap<>());

    private final List<String> surprises = Collections.synchronizedList(new ArrayList<>());

    private final List<Thread> clients = new ArrayList<>();

    private long start;

    @BeforeAll
    static void start() {
        network = new ProxyNetwork(IDS);
        cluster = new ClusterProcesses(folder, IDS, network, "--keystonelight.cluster.write-timeout=3s");
        cluster.startAll();
    }

    /** Every test begins on a whole cluster: every node running and reachable, one leader all agree on. */
    @BeforeEach
    void whole() {
        assertThat(cluster.running()).as("nodes running before the test").isEqualTo(IDS);
        cluster.awaitLeader(ELECTION);
    }

    @AfterEach
    void heal() throws InterruptedException {
        stopClients();
        healAll();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (network != null) {
            network.close();
        }
    }

    /** Last: its registers must hold nothing but what its own history wrote. */
    @Test
    @Order(3)
    void historyThroughPartitionsIsLinearizable() throws Exception {
        long seconds = Long.getLong("keystonelight.partition.seconds", 40);
        long seed = Long.getLong("keystonelight.partition.seed", System.nanoTime());
        Random nemesis = new Random(seed);
        cluster.awaitLeader(ELECTION);
        this.start = System.nanoTime();
        for (int c = 0; c < 3 * IDS.size(); c++) {
            String home = IDS.get(c % IDS.size());
            long clientSeed = seed * 31 + c;
            // A write to a cut-off node holds its client for the write timeout; a client that only
            // reads keeps asking a cut-off node while the others move on, as a stale read needs.
            boolean writes = c < 2 * IDS.size();
            Thread client = new Thread(() -> runClient(home, writes, new Random(clientSeed)),
                    "c" + c + (writes ? "" : "r") + "@" + home);
            client.setDaemon(true);
            this.clients.add(client);
            client.start();
        }
        List<String> schedule = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        int round = 0;
        while (System.nanoTime() < end) {
            String leader = cluster.awaitLeader(ELECTION);
            int before = this.history.size();
            String fault = fault(round++, leader, nemesis);
            schedule.add(String.format("%7.3f s %s", elapsed(), fault));
            Thread.sleep(FAULT.toMillis()); // the fault lasts a while; nothing is awaited here
            healAll();
            schedule.add(String.format("%7.3f s healed (%d operations during the fault)", elapsed(),
                    this.history.size() - before));
            cluster.awaitLeader(ELECTION);
            awaitOps(50);
        }
        stopClients();

        List<Op> ops;
        synchronized (this.history) {
            ops = new ArrayList<>(this.history);
        }
        long known = ops.stream().filter(Op::known).count();
        long reads = ops.stream().filter(op -> op.kind() == Kind.GET).count();
        System.out.printf("partitions (seed %d, %d s):%n  %s%n  %d operations checked (%d reads, %d with a known"
                + " outcome, %d unknown)%n", seed, seconds, String.join("\n  ", schedule), ops.size(), reads,
                known, ops.size() - known);
        for (String id : IDS) {
            System.out.printf("  %s: %s%n", id, String.join("\n  " + id + ": ", cluster.output(id).lines()
                    .filter(line -> line.contains("Leader") || line.contains("leadership") || line.contains("Election"))
                    .map(line -> line.length() > 220 ? line.substring(0, 220) : line).toList()));
        }
        assertThat(this.surprises).as("replies the server does not promise (seed %d)", seed).isEmpty();
        String violation = check(ops);
        assertThat(violation).as("a register whose history is not linearizable (seed %d): %s", seed,
                violation == null ? "" : describe(ops, violation)).isNull();
    }

    /**
     * The stale read a nemesis finds only now and then, made on purpose: the leader confirms a
     * read (so a majority acknowledged its commit index), is cut off, a new leader is elected
     * and takes a write, and the old leader, before it notices it lost its majority, is asked
     * for the key. It must not answer the value from before the write. Several rounds, since
     * whether the old leader still believes it leads when asked depends on its timers.
     */
    @Test
    @Order(2)
    void aLeaderCutOffFromTheMajorityServesNoStaleRead() throws Exception {
        List<String> answers = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            String leader = cluster.awaitLeader(ELECTION);
            String before = "before-" + round;
            String after = "after-" + round;
            try (LineClient old = LineClient.connect(cluster.node(leader).port())) {
                old.setReadTimeout(CLIENT_TIMEOUT_MS);
                assertThat(old.call("set k " + before)).as("write through the leader %s", leader).isEqualTo("OK");
                assertThat(old.call("get k")).as("read through the leader %s", leader).isEqualTo("VALUE " + before);
                network.isolate(leader);
                List<String> others = IDS.stream().filter(id -> !id.equals(leader)).toList();
                String next = cluster.awaitLeaderAmong(ELECTION, others);
                try (LineClient fresh = LineClient.connect(cluster.node(next).port())) {
                    fresh.setReadTimeout(CLIENT_TIMEOUT_MS);
                    assertThat(fresh.call("set k " + after)).as("write through the new leader %s", next)
                            .isEqualTo("OK");
                }
                String reply = old.call("get k");
                answers.add(leader + " cut off, " + next + " took the write, " + leader + " answered: " + reply);
                if (reply.equals("VALUE " + before)) {
                    stale.add(answers.get(answers.size() - 1));
                }
                else if (!reply.equals("VALUE " + after) && !reply.startsWith("ERR read not served")) {
                    this.surprises.add(answers.get(answers.size() - 1));
                }
            }
            finally {
                network.heal();
            }
        }
        System.out.printf("old leaders asked after a new leader took a write:%n  %s%n", String.join("\n  ", answers));
        assertThat(stale).as("reads answered with the value from before an acknowledged write").isEmpty();
        assertThat(this.surprises).as("replies the server does not promise").isEmpty();
    }

    /**
     * What an operator reads when a peer is cut off and comes back, and when a leader is lost:
     * one line for each, and no stack trace per retry of the leader's appends.
     */
    /** First: it counts lines in the whole log of a node, which the other tests' faults add to. */
    @Test
    @Order(1)
    void theLogsSayOnceThatAPeerIsDownAndBackAndThatALeaderWasLost() throws Exception {
        String leader = cluster.awaitLeader(ELECTION);
        String follower = IDS.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        String down = "Peer " + follower + " (";
        String back = "Peer " + follower + " is back";
        // A peer that came up late was reported down, and back, as the cluster started: count
        // only what this cut makes the leader log, once the start's lines are all out.
        awaitNoneDown(leader, down, back);
        int from = cluster.output(leader).length();
        network.isolate(follower);
        awaitLine(leader, down, from);
        // Cut off for several more seconds: Ratis retries its appends to the peer many times a second.
        int linesWhileDown = cluster.output(leader).lines().toList().size();
        try (LineClient client = LineClient.connect(cluster.node(leader).port())) {
            for (int i = 0; i < 50; i++) {
                assertThat(client.call("set k" + i + " v")).isEqualTo("OK");
            }
        }
        network.heal();
        awaitLine(leader, back, from);
        String output = cluster.output(leader);
        String sinceCut = output.substring(from);
        assertThat(sinceCut.lines().filter(line -> line.contains(down)))
                .as("lines saying %s is down after it was cut off", follower).hasSize(1);
        assertThat(sinceCut.lines().filter(line -> line.contains(back)))
                .as("lines saying %s is back after it was cut off", follower).hasSize(1);
        assertThat(output).as("the leader's log while %s was cut off", follower)
                .doesNotContain("Failed to appendEntries").doesNotContain("ConnectException");
        assertThat(output.lines().count() - linesWhileDown).as("lines the leader logged while %s was down and"
                + " 50 writes went on", follower).isLessThan(10);

        // The follower's return may have moved the leadership: cut off whoever leads now.
        String current = cluster.awaitLeader(ELECTION);
        int[] fromOf = IDS.stream().mapToInt(id -> cluster.output(id).length()).toArray();
        network.isolate(current);
        List<String> others = IDS.stream().filter(id -> !id.equals(current)).toList();
        cluster.awaitLeaderAmong(ELECTION, others);
        // A node notices a change of leader from a watch that runs every 250 ms, so the line
        // may come after the new leader answers the test: wait for it, within an election's time.
        String lost = "Leader " + current + " lost";
        awaitLineInAny(others, lost, fromOf);
        awaitLine(current, "This node, " + current + ", is no longer the leader", fromOf[IDS.indexOf(current)]);
        network.heal();
    }

    /** Waits for a line with {@code text} in the log of one of {@code nodes}, after {@code fromOf[node]}. */
    private void awaitLineInAny(List<String> nodes, String text, int[] fromOf) throws InterruptedException {
        long deadline = System.nanoTime() + ELECTION.toNanos();
        while (nodes.stream().noneMatch(id -> cluster.output(id).substring(fromOf[IDS.indexOf(id)]).contains(text))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nodes whose log says '" + text + "' within " + ELECTION + ": none of "
                        + nodes + "; their last lines:\n" + nodes.stream().map(id -> id + ":\n" + String.join("\n",
                                cluster.output(id).lines().skip(Math.max(0, cluster.output(id).lines().count() - 15))
                                        .toList())).collect(java.util.stream.Collectors.joining("\n")));
            }
            Thread.sleep(50); // polls the nodes' output, which is the thing awaited
        }
    }

    /** Waits until {@code node}'s log says as many times that a peer is back as that it is down. */
    private void awaitNoneDown(String node, String down, String back) throws InterruptedException {
        long deadline = System.nanoTime() + ELECTION.toNanos();
        while (cluster.output(node).lines().filter(line -> line.contains(down)).count() != cluster.output(node)
                .lines().filter(line -> line.contains(back)).count()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the log of " + node + " says '" + down + "' more often than '" + back
                        + "' after " + ELECTION + ":\n" + cluster.output(node));
            }
            Thread.sleep(50); // polls the node's output, which is the thing awaited
        }
    }

    /** Waits for a line with {@code text} in {@code node}'s log after its first {@code from} characters. */
    private void awaitLine(String node, String text, int from) throws InterruptedException {
        long deadline = System.nanoTime() + ELECTION.toNanos();
        while (!cluster.output(node).substring(from).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line with '" + text + "' in the log of " + node + " within " + ELECTION
                        + "; its last lines:\n" + String.join("\n", cluster.output(node).lines()
                                .skip(Math.max(0, cluster.output(node).lines().count() - 30)).toList()));
            }
            Thread.sleep(50); // polls the node's output, which is the thing awaited
        }
    }

    /**
     * The checker recurses once per operation of a key, and a key here has thousands: it runs on
     * a thread with a stack to match.
     */
    private static String check(List<Op> ops) throws InterruptedException {
        String[] violation = new String[1];
        Throwable[] failure = new Throwable[1];
        Thread checker = new Thread(null, () -> {
            try {
                violation[0] = LinearizabilityChecker.firstViolation(ops);
            }
            catch (Throwable ex) {
                failure[0] = ex;
            }
        }, "linearizability-checker", 2L << 30);
        checker.start();
        checker.join();
        if (failure[0] != null) {
            throw new AssertionError("the linearizability check failed: " + failure[0], failure[0]);
        }
        return violation[0];
    }

    private String fault(int round, String leader, Random random) {
        List<String> others = IDS.stream().filter(id -> !id.equals(leader)).toList();
        String follower = others.get(random.nextInt(others.size()));
        switch (round % 5) {
            case 0 -> {
                network.isolate(leader);
                return "leader " + leader + " isolated";
            }
            case 1 -> {
                network.isolate(follower);
                return "minority " + follower + " split from the majority";
            }
            case 2 -> {
                // The leader loses one follower but keeps the other, which still sees both.
                String far = follower;
                network.cutLink(leader, far);
                return "bridge: " + leader + " and " + far + " apart, "
                        + others.stream().filter(id -> !id.equals(far)).findFirst().orElseThrow() + " sees both";
            }
            case 3 -> {
                for (int flap = 0; flap < 4; flap++) {
                    network.isolate(leader);
                    pause(300);
                    network.heal();
                    pause(300);
                }
                network.isolate(leader);
                return "leader " + leader + " flapping, then isolated";
            }
            default -> {
                cluster.node(leader).signal("STOP");
                this.paused = leader;
                return "leader " + leader + " paused";
            }
        }
    }

    private String paused;

    private void healAll() {
        network.heal();
        if (this.paused != null) {
            cluster.node(this.paused).signal("CONT");
            this.paused = null;
        }
    }

    private double elapsed() {
        return (System.nanoTime() - this.start) / 1e9;
    }

    /**
     * The violation in words: a plainly stale read if there is one (the value it read had been
     * overwritten by a write acknowledged before the read began), with the operations on the key
     * around it; else the key's last operations.
     */
    private String describe(List<Op> ops, String key) {
        List<Op> onKey = ops.stream().filter(op -> op.key().equals(key))
                .sorted(java.util.Comparator.comparingLong(Op::invoked)).toList();
        for (Op read : onKey) {
            if (read.kind() != Kind.GET || read.value() == null) {
                continue;
            }
            Op written = onKey.stream().filter(op -> op.kind() == Kind.SET && op.value().equals(read.value()))
                    .findFirst().orElse(null);
            if (written == null) {
                return "read " + read.value() + ", which nobody wrote";
            }
            Op newer = onKey.stream().filter(op -> op.kind() == Kind.SET && op.known()
                    && op.invoked() > written.returned() && op.returned() < read.invoked()).findFirst().orElse(null);
            if (newer != null) {
                return String.format("stale read: %s through %s read %s at %s, but %s was overwritten with %s,"
                        + " acknowledged at %.3f s; around it:%s", key, this.who.get(read), read.value(),
                        span(read), read.value(), newer.value(), at(newer.returned()),
                        list(onKey, newer.invoked() - 2_000_000_000L, read.returned()));
            }
        }
        return "no plainly stale read; the last operations:" + list(onKey,
                onKey.get(Math.max(0, onKey.size() - 40)).invoked(), Long.MAX_VALUE);
    }

    private String list(List<Op> onKey, long from, long to) {
        StringBuilder text = new StringBuilder();
        onKey.stream().filter(op -> op.invoked() >= from && op.invoked() <= to).forEach(op -> text.append(
                String.format("%n  %s %s %s through %s", span(op), op.kind(), op.value(), this.who.get(op))));
        return text.toString();
    }

    private String span(Op op) {
        return String.format("%.3f..%s s", at(op.invoked()), op.known() ? String.format("%.3f", at(op.returned()))
                : "?");
    }

    private double at(long nanos) {
        return (nanos - this.start) / 1e9;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // a rhythm (of the flapping nemesis, of a client), not a wait for anything
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private void awaitOps(int more) throws InterruptedException {
        int target = this.history.size() + more;
        long deadline = System.nanoTime() + ELECTION.toNanos();
        while (this.history.size() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("clients made no progress after a heal: " + this.history.size() + " of "
                        + target + " operations; surprises " + this.surprises);
            }
            Thread.sleep(50);
        }
    }

    private void add(Op op) {
        this.who.put(op, Thread.currentThread().getName());
        this.history.add(op);
    }

    private void stopClients() throws InterruptedException {
        this.stopping.set(true);
        for (Thread client : this.clients) {
            client.join(CLIENT_TIMEOUT_MS + 5_000);
        }
    }

    /** A client of one node only: the point is what each node answers, the cut-off ones too. */
    private void runClient(String home, boolean writes, Random random) {
        LineClient connection = null;
        long counter = 0;
        String name = Thread.currentThread().getName();
        while (!this.stopping.get()) {
            if (connection == null) {
                connection = LineClient.connect(cluster.node(home).port());
                connection.setReadTimeout(CLIENT_TIMEOUT_MS);
            }
            // Think time between requests, as users have: a cluster that is never idle always has
            // a commit not yet confirmed by heartbeats, which hides a leader that answers reads
            // from an old confirmation.
            pause(random.nextInt(THINK_MS));
            String key = KEYS.get(random.nextInt(KEYS.size()));
            boolean write = writes && random.nextBoolean();
            String value = write ? name + "-" + counter++ : null;
            long invoked = System.nanoTime();
            String reply;
            try {
                reply = connection.call(write ? "set " + key + " " + value : "get " + key);
            }
            catch (RuntimeException ex) {
                this.surprises.add(String.format("%.3f s %s %s %s: no reply (%s)", elapsed(), name,
                        write ? "set" : "get", key, ex));
                reply = null;
            }
            long returned = System.nanoTime();
            if (reply == null) {
                connection.close();
                connection = null;
                if (write) {
                    add(new Op(key, Kind.SET, value, 0, invoked, Long.MAX_VALUE));
                }
                continue;
            }
            record(name, key, write, value, reply, invoked, returned);
        }
        if (connection != null) {
            connection.close();
        }
    }

    private void record(String name, String key, boolean write, String value, String reply, long invoked,
            long returned) {
        if (write) {
            if (reply.equals("OK")) {
                add(new Op(key, Kind.SET, value, 0, invoked, returned));
            }
            else if (reply.startsWith("ERR outcome unknown")) {
                add(new Op(key, Kind.SET, value, 0, invoked, Long.MAX_VALUE));
            }
            else if (!reply.startsWith("ERR write not persisted, nothing was changed: no quorum")) {
                this.surprises.add(String.format("%.3f s %s set %s: %s", elapsed(), name, key, reply));
                add(new Op(key, Kind.SET, value, 0, invoked, Long.MAX_VALUE));
            }
            return;
        }
        if (reply.equals("NOT_FOUND") || reply.startsWith("VALUE ")) {
            String read = reply.equals("NOT_FOUND") ? null : reply.substring("VALUE ".length());
            add(new Op(key, Kind.GET, read, 0, invoked, returned));
        }
        else if (!reply.startsWith("ERR read not served")) {
            this.surprises.add(String.format("%.3f s %s get %s: %s", elapsed(), name, key, reply));
        }
    }
}
