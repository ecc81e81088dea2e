package io.keystonelight.cluster;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

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
@ResourceLock(ClusterProcesses.NODES)
class ClusterLinearizabilityIT {

    private static final Duration ELECTION = Duration.ofSeconds(60);

    private static final List<String> KEYS = List.of("x", "y", "z");

    @TempDir
    Path folder;

    private ClusterProcesses cluster;

    private final AtomicBoolean stopping = new AtomicBoolean();

    private final RegisterHistory history = new RegisterHistory();

    private final List<Thread> clients = new ArrayList<>();

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
                    this.history.surprise(surprise);
                }
            }, "client-" + c);
            client.setDaemon(true);
            this.clients.add(client);
            client.start();
        }
        this.history.awaitMore(200, ELECTION);
        this.cluster.kill9(leader);
        String next = this.cluster.awaitLeader(ELECTION);
        this.history.awaitMore(200, ELECTION);
        this.cluster.start(leader);
        this.cluster.awaitLeader(ELECTION);
        this.history.awaitMore(100, ELECTION);

        String paused = this.cluster.awaitLeader(ELECTION);
        this.cluster.node(paused).signal("STOP");
        List<String> others = this.cluster.ids().stream().filter(id -> !id.equals(paused)).toList();
        try {
            this.cluster.awaitLeaderAmong(ELECTION, others);
            this.history.awaitMore(100, ELECTION);
        }
        finally {
            this.cluster.node(paused).signal("CONT");
        }
        this.cluster.awaitLeader(ELECTION);
        this.history.awaitMore(100, ELECTION);
        stopClients();
        this.history.assertNoSurprise();

        List<Op> ops = this.history.ops();
        long known = ops.stream().filter(Op::known).count();
        System.out.printf("linearizability: %d operations (%d with a known outcome), leader %s killed, %s paused%n",
                ops.size(), known, leader, paused);
        assertThat(next).isNotEqualTo(leader);
        assertThat(LinearizabilityChecker.firstViolation(ops)).as("a key whose history is not linearizable").isNull();
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
            Kind kind = Kind.pick(random);
            String value = kind == Kind.SET ? Thread.currentThread().getName() + "-" + counter++ : null;
            String request = kind.request(key, value);
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
                this.history.record(key, kind, value, null, invoked, Long.MAX_VALUE);
                continue;
            }
            this.history.record(key, kind, value, reply, invoked, returned);
        }
        if (connection != null) {
            connection.close();
        }
    }
}
