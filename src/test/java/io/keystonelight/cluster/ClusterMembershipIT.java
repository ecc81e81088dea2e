package io.keystonelight.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

import io.keystonelight.cluster.LinearizabilityChecker.Kind;
import io.keystonelight.cluster.LinearizabilityChecker.Op;
import io.keystonelight.support.ClusterProcesses;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A three-node cluster grown to five and shrunk back to three at run time, through
 * {@code /actuator/cluster}, while clients write and read through every member: the old leader
 * and another first member are removed, the leader after a transfer. Every acknowledged write
 * must then be readable through every remaining member, the register history must be
 * linearizable, and a remaining first member restarted with its first peers setting must keep
 * the membership its log holds. {@code -Dkeystonelight.membership.ops=N} runs longer (more
 * operations between the steps).
 */
@ResourceLock(ClusterProcesses.NODES)
class ClusterMembershipIT {

    private static final Duration ELECTION = Duration.ofSeconds(60);

    private static final int OPS_PER_STEP = Integer.getInteger("keystonelight.membership.ops", 150);

    private static final List<String> REGISTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");

    @TempDir
    Path folder;

    private ClusterProcesses cluster;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    /** The members clients connect to; a node leaves it before it is removed. */
    private final List<String> serving = new CopyOnWriteArrayList<>();

    private final AtomicBoolean stopping = new AtomicBoolean();

    private final RegisterHistory history = new RegisterHistory();

    /** Keys written once each and acknowledged with OK; their value is their name. */
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();

    private final List<Thread> clients = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        stopClients();
        if (this.cluster != null) {
            this.cluster.close();
        }
    }

    @Test
    void growsToFiveAndShrinksToThreeUnderLoadLosingNoAcknowledgedWrite() throws Exception {
        this.cluster = new ClusterProcesses(this.folder, 3, "--keystonelight.cluster.write-timeout=5s");
        this.cluster.startAll();
        String firstLeader = this.cluster.awaitLeader(ELECTION);
        this.serving.addAll(this.cluster.ids());
        for (int c = 0; c < 6; c++) {
            int number = c;
            Thread client = new Thread(() -> {
                try {
                    runClient(number);
                }
                catch (Throwable surprise) {
                    this.history.surprise(surprise);
                }
            }, "client-" + c);
            client.setDaemon(true);
            this.clients.add(client);
            client.start();
        }
        this.history.awaitMore(OPS_PER_STEP, ELECTION);

        String follower = this.cluster.ids().stream().filter(id -> !id.equals(firstLeader)).findFirst().orElseThrow();
        phase("3 members serving, " + this.history.size() + " register operations");
        java.util.Map<String, String> joining = this.cluster.launchJoining("n4", "n5");
        phase("n4 and n5 started");
        for (String id : joining.keySet()) {
            Change added = post(follower, "add", id, joining.get(id));
            assertThat(added.status()).as("adding %s through %s: %s", id, follower, added.body()).isEqualTo(200);
            assertThat(added.body()).contains("\"" + id + "\"");
            phase(id + " added");
        }
        Change again = post(follower, "add", "n4", "127.0.0.1:1");
        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.body()).contains("n4 is already a member");
        for (String joined : List.of("n4", "n5")) {
            awaitReadable(joined, List.copyOf(this.acknowledged));
            this.serving.add(joined);
        }
        phase("n4 and n5 serve every acknowledged write");
        this.history.awaitMore(OPS_PER_STEP, ELECTION);

        String leader = this.cluster.awaitLeader(ELECTION);
        Change refused = post("n5", "remove", leader, null);
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.body()).contains(leader + " is the leader: transfer leadership");
        Change unknown = post("n5", "remove", "n9", null);
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.body()).contains("unknown node n9");

        Change transferred = post("n5", "transfer", "n4", null);
        assertThat(transferred.status()).as(transferred.body()).isEqualTo(200);
        assertThat(this.cluster.awaitLeader(ELECTION)).isEqualTo("n4");
        phase("leadership moved from " + leader + " to n4");
        String other = List.of("n1", "n2", "n3").stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        String kept = List.of("n1", "n2", "n3").stream().filter(id -> !id.equals(leader) && !id.equals(other))
                .findFirst().orElseThrow();
        for (String leaving : List.of(leader, other)) {
            this.serving.remove(leaving);
            Change removed = post("n5", "remove", leaving, null);
            assertThat(removed.status()).as("removing %s: %s", leaving, removed.body()).isEqualTo(200);
            assertThat(this.cluster.node(leaving).awaitExit(ELECTION)).as("exit status of removed %s", leaving)
                    .isZero();
            assertThat(this.cluster.output(leaving)).contains("This node, " + leaving + ", was removed from the cluster");
            phase(leaving + " removed and stopped");
        }
        this.history.awaitMore(OPS_PER_STEP, ELECTION);
        stopClients();
        this.history.assertNoSurprise();

        List<String> remaining = List.of(kept, "n4", "n5");
        assertThat(this.cluster.awaitLeaderAmong(ELECTION, remaining)).isIn(remaining);
        List<String> written = List.copyOf(this.acknowledged);
        for (String node : remaining) {
            assertThat(missing(node, written)).as("acknowledged writes not readable through %s", node).isEmpty();
            assertThat(get(node, "/actuator/cluster")).contains("\"members\":{\"" + kept + "\"");
        }

        List<Op> ops = this.history.ops();
        System.out.printf("membership: %d register operations (%d with a known outcome), %d acknowledged writes "
                + "readable on %s; %s removed after leadership moved to n4, %s removed%n", ops.size(),
                ops.stream().filter(Op::known).count(), written.size(), remaining, leader, other);
        assertThat(LinearizabilityChecker.firstViolation(ops)).as("a key whose history is not linearizable").isNull();
        phase("every acknowledged write read through each remaining member, history checked");

        // Its peers setting still names n1, n2 and n3; its log says otherwise, and the log wins.
        this.cluster.start(kept);
        assertThat(this.cluster.awaitLeaderAmong(ELECTION, remaining)).isIn(remaining);
        assertThat(get(kept, "/actuator/cluster")).contains("\"members\":{\"" + kept + "\":").contains("\"n4\":")
                .contains("\"n5\":").doesNotContain("\"" + leader + "\":").doesNotContain("\"" + other + "\":");
        assertThat(missing(kept, written)).as("acknowledged writes not readable through restarted %s", kept).isEmpty();
        phase(kept + " restarted with its first peers setting, members as its log says");
    }

    private final long began = System.nanoTime();

    /**
     * Which registers the clients use, one set per step: a key's history is then one stretch of
     * the run, short enough for the checker, whose search goes as deep as a key's history is long.
     */
    private volatile int registers;

    private void phase(String what) {
        this.registers++;
        System.out.printf("membership, %5.1f s: %s%n", (System.nanoTime() - this.began) / 1e9, what);
    }

    private void runClient(int number) {
        Random random = new Random(number * 7919L);
        LineClient connection = null;
        int rotation = number;
        long counter = 0;
        String name = "c" + number;
        while (!this.stopping.get()) {
            if (connection == null) {
                List<String> now = List.copyOf(this.serving);
                String id = now.get(rotation++ % now.size());
                if (!this.cluster.isRunning(id)) {
                    continue;
                }
                try {
                    connection = LineClient.connect(this.cluster.node(id).port());
                    connection.setReadTimeout(10_000);
                }
                catch (UncheckedIOException ex) {
                    connection = null;
                    continue;
                }
            }
            boolean unique = random.nextInt(10) < 3;
            String key;
            Kind kind;
            String value;
            if (unique) {
                key = "u-" + name + "-" + counter++;
                kind = Kind.SET;
                value = key;
            }
            else {
                key = REGISTERS.get(random.nextInt(REGISTERS.size())) + this.registers;
                kind = Kind.pick(random);
                value = kind == Kind.SET ? name + "-" + counter++ : null;
            }
            String request = kind.request(key, value);
            long invoked = System.nanoTime();
            String reply;
            try {
                reply = connection.call(request);
            }
            catch (UncheckedIOException ex) {
                reply = null;
            }
            long returned = System.nanoTime();
            if (reply == null) {
                // The node went away (removed, so it stopped): a write's outcome is unknown.
                connection.close();
                connection = null;
                if (!unique) {
                    this.history.record(key, kind, value, null, invoked, Long.MAX_VALUE);
                }
                continue;
            }
            if (unique) {
                if (reply.equals("OK")) {
                    this.acknowledged.add(key);
                }
                else {
                    RegisterHistory.expect(reply.startsWith("ERR write not persisted, nothing was changed: ")
                            || reply.startsWith("ERR outcome unknown: "), kind, reply, "OK");
                }
                continue;
            }
            this.history.record(key, kind, value, reply, invoked, returned);
        }
        if (connection != null) {
            connection.close();
        }
    }

    /** Waits until {@code node} answers linearizable reads and has every write in {@code keys}. */
    private void awaitReadable(String node, List<String> keys) throws InterruptedException {
        long deadline = System.nanoTime() + ELECTION.toNanos();
        List<String> missing = keys;
        while (System.nanoTime() < deadline) {
            missing = missing(node, keys);
            if (missing.isEmpty()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(node + " did not serve " + missing.size() + " of " + keys.size()
                + " acknowledged writes within " + ELECTION + ", e.g. " + missing.subList(0, Math.min(5,
                        missing.size())) + "; its log ends:\n" + this.cluster.output(node));
    }

    /**
     * The keys of {@code keys} whose read through {@code node} does not give their value: read
     * with RESP MGET in batches, each batch behind one read barrier.
     */
    private List<String> missing(String node, List<String> keys) {
        List<String> missing = new ArrayList<>();
        try (RespConnection connection = RespConnection.connect(this.cluster.node(node).port())) {
            for (int from = 0; from < keys.size(); from += 500) {
                List<String> batch = keys.subList(from, Math.min(keys.size(), from + 500));
                List<String> arguments = new ArrayList<>(batch);
                arguments.add(0, "MGET");
                String[] lines = connection.call(arguments.toArray(String[]::new)).split("\r\n", -1);
                if (!lines[0].equals("*" + batch.size())) {
                    missing.add("MGET of " + batch.size() + " keys answered " + lines[0]);
                    continue;
                }
                int at = 1;
                for (String key : batch) {
                    if (lines[at].equals("$-1")) {
                        missing.add(key + " (not found)");
                        at++;
                    }
                    else {
                        if (!lines[at + 1].equals(key)) {
                            missing.add(key + " (" + lines[at + 1] + ")");
                        }
                        at += 2;
                    }
                }
            }
        }
        return missing;
    }

    private record Change(int status, String body) {
    }

    private Change post(String through, String action, String node, String address) {
        String body = "{\"node\":\"" + node + "\"" + (address == null ? "" : ",\"address\":\"" + address + "\"") + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + this.cluster.node(through).httpPort() + "/actuator/cluster/" + action))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(200))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = send(request);
            return new Change(response.statusCode(), response.body());
        }
        catch (UncheckedIOException ex) {
            StringBuilder logs = new StringBuilder();
            for (String id : this.cluster.running()) {
                List<String> lines = this.cluster.output(id).lines().toList();
                logs.append("\n--- the last lines of ").append(id).append(":\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
            throw new AssertionError("POST " + action + " " + body + " through " + through + " got no answer: " + ex
                    + logs, ex);
        }
    }

    private String get(String node, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.cluster.node(node).httpPort() + path))
                .timeout(Duration.ofSeconds(60)).build()).body();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return this.http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
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
}
