package io.keystonelight.cluster;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.cluster.LinearizabilityChecker.Kind;
import io.keystonelight.cluster.LinearizabilityChecker.Op;
import io.keystonelight.support.ClusterProcesses;
import io.keystonelight.support.LineClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several clients read, write and delete a few keys through every node of a three-node cluster
 * while the leader is killed and, later, paused (SIGSTOP) and resumed; the recorded history must
 * be linearizable (checked by {@link LinearizabilityChecker}, which {@link LinearizabilityCheckerTest}
 * shows rejecting bad histories).
 */
class ClusterLinearizabilityIT {

    private static final Duration ELECTION = Duration.ofSeconds(60);

    private static final List<String> KEYS = List.of("x", "y", "z");

    @TempDir
    Path folder;

    private ClusterProcesses cluster;

    private final AtomicBoolean stopping = new AtomicBoolean();

    private final List<Op> history = Collections.synchronizedList(new ArrayList<>());

    private final List<Thread> clients = new ArrayList<>();

    /** What a client thread met that no correct cluster answers; the test fails on the first. */
    private final List<Throwable> surprises = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws InterruptedException {
        stopClients();
        if (this.cluster != null) {
            this.cluster.close();
        }
    }

    @Test
    void historyThroughLeaderKillsAndPausesIsLinearizable() throws Exception {
        this.cluster = new ClusterProcesses(this.folder, 3, "--keystonelight.cluster.write-timeout=3s");
        this.cluster.startAll();
        String leader = this.cluster.awaitLeader(ELECTION);
        for (int c = 0; c < 6; c++) {
            String home = this.cluster.ids().get(c % 3);
            Random random = new Random(home.hashCode() * 31L + this.clients.size());
            Thread client = new Thread(() -> {
                try {
                    runClient(home, random);
                }
                catch (Throwable surprise) {
                    this.surprises.add(surprise);
                }
            }, "client-" + c);
            client.setDaemon(true);
            this.clients.add(client);
            client.start();
        }
        awaitOps(200);
        this.cluster.kill9(leader);
        String next = this.cluster.awaitLeader(ELECTION);
        awaitOps(200);
        this.cluster.start(leader);
        this.cluster.awaitLeader(ELECTION);
        awaitOps(100);

        String paused = this.cluster.awaitLeader(ELECTION);
        this.cluster.node(paused).signal("STOP");
        List<String> others = this.cluster.ids().stream().filter(id -> !id.equals(paused)).toList();
        try {
            this.cluster.awaitLeaderAmong(ELECTION, others);
            awaitOps(100);
        }
        finally {
            this.cluster.node(paused).signal("CONT");
        }
        this.cluster.awaitLeader(ELECTION);
        awaitOps(100);
        stopClients();
        assertNoSurprise();

        List<Op> ops;
        synchronized (this.history) {
            ops = new ArrayList<>(this.history);
        }
        long known = ops.stream().filter(Op::known).count();
        System.out.printf("linearizability: %d operations (%d with a known outcome), leader %s killed, %s paused%n",
                ops.size(), known, leader, paused);
        assertThat(next).isNotEqualTo(leader);
        assertThat(LinearizabilityChecker.firstViolation(ops)).as("a key whose history is not linearizable").isNull();
    }

    private void awaitOps(int more) throws InterruptedException {
        int target = this.history.size() + more;
        long deadline = System.nanoTime() + ELECTION.toNanos();
        while (this.history.size() < target) {
            assertNoSurprise();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("clients made no progress: " + this.history.size() + " of " + target);
            }
            Thread.sleep(50);
        }
    }

    private void assertNoSurprise() {
        synchronized (this.surprises) {
            if (!this.surprises.isEmpty()) {
                AssertionError failure = new AssertionError(this.surprises.size() + " client(s) stopped on a reply "
                        + "or failure no correct cluster gives; the first: " + this.surprises.get(0),
                        this.surprises.get(0));
                this.surprises.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }
        }
    }

    private void stopClients() throws InterruptedException {
        this.stopping.set(true);
        for (Thread client : this.clients) {
            client.join(30_000);
            if (client.isAlive()) {
                throw new AssertionError(client.getName() + " did not stop within 30 s of being told to");
            }
        }
    }

    private void runClient(String home, Random random) {
        LineClient connection = null;
        int rotation = this.cluster.ids().indexOf(home);
        long counter = 0;
        while (!this.stopping.get()) {
            if (connection == null) {
                String id = this.cluster.ids().get(rotation++ % 3);
                if (!this.cluster.isRunning(id)) {
                    continue;
                }
                try {
                    connection = LineClient.connect(this.cluster.node(id).port());
                    connection.setReadTimeout(8_000);
                }
                catch (UncheckedIOException ex) {
                    connection = null;
                    continue;
                }
            }
            String key = KEYS.get(random.nextInt(KEYS.size()));
            int pick = random.nextInt(10);
            Kind kind = pick < 4 ? Kind.SET : pick < 9 ? Kind.GET : Kind.DELETE;
            String value = kind == Kind.SET ? Thread.currentThread().getName() + "-" + counter++ : null;
            String request = switch (kind) {
                case SET -> "set " + key + " " + value;
                case GET -> "get " + key;
                case DELETE -> "delete " + key;
            };
            long invoked = System.nanoTime();
            String reply;
            try {
                reply = connection.call(request);
            }
            catch (UncheckedIOException ex) {
                // The node went away or stopped answering: a write's outcome is unknown.
                reply = null;
            }
            long returned = System.nanoTime();
            if (reply == null) {
                connection.close();
                connection = null;
                if (kind != Kind.GET) {
                    this.history.add(new Op(key, kind, value, 0, invoked, Long.MAX_VALUE));
                }
                continue;
            }
            record(key, kind, value, reply, invoked, returned);
        }
        if (connection != null) {
            connection.close();
        }
    }

    /**
     * Adds what {@code reply} says happened to the history. The errors a cluster may give are
     * told apart: a refused write changed nothing, a write of unknown outcome may or may not have
     * happened, an unserved read says nothing. Any other reply fails the client.
     */
    private void record(String key, Kind kind, String value, String reply, long invoked, long returned) {
        boolean write = kind != Kind.GET;
        if (write && reply.startsWith("ERR write not persisted, nothing was changed: ")) {
            return;
        }
        if (write && reply.startsWith("ERR outcome unknown: ")) {
            this.history.add(new Op(key, kind, value, 0, invoked, Long.MAX_VALUE));
            return;
        }
        if (!write && reply.startsWith("ERR read not served: ")) {
            return;
        }
        switch (kind) {
            case SET -> {
                expect(reply.equals("OK"), kind, reply, "OK");
                this.history.add(new Op(key, kind, value, 0, invoked, returned));
            }
            case GET -> {
                expect(reply.equals("NOT_FOUND") || reply.startsWith("VALUE "), kind, reply, "NOT_FOUND or VALUE ...");
                String read = reply.equals("NOT_FOUND") ? null : reply.substring("VALUE ".length());
                this.history.add(new Op(key, kind, read, 0, invoked, returned));
            }
            case DELETE -> {
                expect(reply.equals("DELETED 0") || reply.equals("DELETED 1"), kind, reply, "DELETED 0 or DELETED 1");
                this.history.add(new Op(key, kind, null, Integer.parseInt(reply.substring("DELETED ".length())),
                        invoked, returned));
            }
        }
    }

    private static void expect(boolean met, Kind kind, String reply, String expected) {
        if (!met) {
            throw new AssertionError("a " + kind + " was answered '" + reply + "', where " + expected + ", a refusal "
                    + "('ERR write not persisted, ...'), an unknown outcome ('ERR outcome unknown: ...') or, for a "
                    + "read, 'ERR read not served: ...' was expected");
        }
    }
}
