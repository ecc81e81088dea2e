package io.keystonelight.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three (or more) cluster nodes, each the packaged jar as a real process in a folder of its own
 * on loopback: client and HTTP ports chosen by the server, Raft ports chosen here and kept across
 * restarts (the peers list names them).
 */
public final class ClusterProcesses implements AutoCloseable {

    /**
     * The lock a test class that starts a cluster holds, so that the integration tests, two
     * classes at a time, never run two clusters at once: each is three to five server processes
     * whose elections must not wait for CPU the other takes.
     */
    public static final String NODES = "keystonelight.cluster-nodes";

    private static final Pattern ROLE = Pattern.compile("\"role\"\\s*:\\s*\"([A-Z]+)\"");

    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"([^\"]+)\"");

    private static final Pattern TERM = Pattern.compile("\"term\"\\s*:\\s*(-?\\d+)");

    private static final Pattern APPLIED = Pattern.compile("\"appliedIndex\"\\s*:\\s*(-?\\d+)");

    /** Three JVMs starting at once on two cores take a while. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final Path root;

    private final List<String> ids = new ArrayList<>();

    /** Each node's peers setting: the same list for all, or per node when a {@link ProxyNetwork} is between them. */
    private final java.util.function.Function<String, String> peersOf;

    private final List<String> settings;

    private final Map<String, ServerProcess> nodes = new LinkedHashMap<>();

    /** The peers setting of nodes launched to join a running cluster: the first members and themselves. */
    private final Map<String, String> joiningPeers = new LinkedHashMap<>();

    /** Generous: a health request that times out is asked again, but one that always does never sees a leader. */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    public ClusterProcesses(Path root, int size, String... settings) {
        this.root = root;
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= size; i++) {
            String id = "n" + i;
            this.ids.add(id);
            peers.append(i > 1 ? "," : "").append(id).append("=127.0.0.1:").append(FreePorts.belowEphemeralRange());
        }
        String shared = peers.toString();
        this.peersOf = id -> shared;
        this.settings = List.of(settings);
    }

    /** Nodes {@code network}'s ids that reach each other only through {@code network}'s relays. */
    public ClusterProcesses(Path root, List<String> ids, ProxyNetwork network, String... settings) {
        this.root = root;
        this.ids.addAll(ids);
        this.peersOf = network::peersOf;
        this.settings = List.of(settings);
    }


    public List<String> ids() {
        return this.ids;
    }

    /** Launches every node that is not running, then waits until each serves. */
    public void startAll() {
        List<String> launched = new ArrayList<>();
        for (String id : this.ids) {
            if (!isRunning(id)) {
                launch(id);
                launched.add(id);
            }
        }
        launched.forEach(id -> this.nodes.get(id).awaitServing(START_TIMEOUT));
    }

    /**
     * Launches every node at once (none may be running) and waits, up to {@code timeout} from the
     * launch, until each answers {@code ping} and a write through the first node is acknowledged;
     * returns when each part was reached, counted from the launch.
     */
    public StartTimes startAllTimed(Duration timeout) {
        if (!running().isEmpty()) {
            throw new IllegalStateException("a timed start launches every node at once, but " + running()
                    + " are running already");
        }
        // The extracted jar and its archive are made once per build, not at a user's start.
        ServerJar.javaArguments();
        Instant launched = Instant.now();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        this.ids.forEach(this::launch);
        Map<String, Long> pong = new LinkedHashMap<>();
        for (String id : this.ids) {
            this.nodes.get(id).awaitServing(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            try (LineClient client = LineClient.connect(this.nodes.get(id).port())) {
                String reply = client.call("ping");
                if (!reply.equals("PONG")) {
                    throw new IllegalStateException(id + " answered ping with '" + reply + "', expected PONG");
                }
            }
            pong.put(id, elapsedMillis(start));
        }
        String first = this.ids.get(0);
        String reply;
        // The write waits for the election, up to the nodes' write timeout; a no-quorum reply
        // within the deadline is the election still running on a slow machine: ask again.
        do {
            try (LineClient client = LineClient.connect(this.nodes.get(first).port())) {
                reply = client.call("set start-check launched-" + launched.toEpochMilli());
            }
        } while (!reply.equals("OK") && reply.contains("no quorum") && System.nanoTime() < deadline);
        if (!reply.equals("OK")) {
            throw new IllegalStateException("a write through " + first + " " + elapsedMillis(start)
                    + " ms after the launch got '" + reply + "', expected OK");
        }
        long written = elapsedMillis(start);
        Map<String, StartTimes.Node> nodes = new LinkedHashMap<>();
        for (String id : this.ids) {
            String output = output(id);
            nodes.put(id, new StartTimes.Node(id, logged(output, "Starting ", launched),
                    logged(output, "Cluster node " + id + " is up", launched),
                    logged(output, "Started ", launched), logged(output, "KeystoneLight is serving on", launched),
                    logged(output, "Election won", launched) >= 0 ? logged(output, "Election won", launched)
                            : logged(output, "Leader is now", launched),
                    pong.get(id), leaderTerm(output)));
        }
        return new StartTimes(nodes, written, first);
    }

    private static long elapsedMillis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static final Pattern LEADER_TERM = Pattern.compile("(?:Election won|Leader is now).* in term (\\d+)");

    private static long leaderTerm(String output) {
        Matcher term = LEADER_TERM.matcher(output);
        return term.find() ? Long.parseLong(term.group(1)) : -1;
    }

    /**
     * When the first line of {@code output} that contains {@code text} was logged, in ms after
     * {@code launched} by the line's own time stamp, or -1 if no line says it.
     */
    private static long logged(String output, String text, Instant launched) {
        for (String line : output.lines().toList()) {
            if (line.contains(text) && line.length() > 24) {
                try {
                    return Duration.between(launched, Instant.parse(line.substring(0, line.indexOf(' ')))).toMillis();
                }
                catch (java.time.DateTimeException | StringIndexOutOfBoundsException ex) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /**
     * How a start of every node at once went, in ms after the launch: per node when the application
     * first logged (the JVM is up), its Raft server was up, its Spring context had started, it said it serves, it
     * learnt the first leader, and it answered {@code ping}; and when the first write through
     * {@code writtenThrough} was acknowledged.
     */
    public record StartTimes(Map<String, Node> nodes, long written, String writtenThrough) {

        public record Node(String id, long jvmFirstLine, long raftUp, long contextStarted, long serving,
                long leaderKnown, long pong, long leaderTerm) {
        }

        /** When the last node answered {@code ping} and a write was acknowledged, whichever came later. */
        public long allServing() {
            return Math.max(this.written, this.nodes.values().stream().mapToLong(Node::pong).max().orElse(-1));
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("ms after launch  app's first line  Raft up  context started"
                    + "  serving  leader known (term)  ping answered\n");
            for (Node node : this.nodes.values()) {
                text.append(String.format("%-16s %16d %8d %16d %8d %13d (%d) %14d%n", node.id(), node.jvmFirstLine(),
                        node.raftUp(), node.contextStarted(), node.serving(), node.leaderKnown(), node.leaderTerm(),
                        node.pong()));
            }
            return text.append("write through ").append(this.writtenThrough).append(" acknowledged at ")
                    .append(this.written).append(" ms; every node serving at ").append(allServing()).append(" ms")
                    .toString();
        }
    }

    /** Starts node {@code id} (again, in the same folder) and waits until it serves. */
    public ServerProcess start(String id) {
        launch(id);
        ServerProcess node = this.nodes.get(id);
        node.awaitServing(START_TIMEOUT);
        return node;
    }

    private void launch(String id) {
        Path folder = this.root.resolve(id);
        try {
            Files.createDirectories(folder);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        List<String> arguments = new ArrayList<>();
        arguments.add("--keystonelight.cluster.node-id=" + id);
        arguments.add("--keystonelight.cluster.peers=" + this.joiningPeers.getOrDefault(id, this.peersOf.apply(id)));
        arguments.addAll(this.settings);
        ServerProcess previous = this.nodes.get(id);
        if (previous != null) {
            previous.close();
        }
        this.nodes.put(id, ServerProcess.launch(folder, arguments.toArray(String[]::new)));
    }

    /**
     * Launches nodes {@code ids}, not members yet, to be added at run time, and waits until each
     * serves; each one's peers setting names the first members and itself. Returns their Raft
     * addresses by id.
     */
    public Map<String, String> launchJoining(String... ids) {
        Map<String, String> addresses = new LinkedHashMap<>();
        for (String id : ids) {
            String address = "127.0.0.1:" + FreePorts.belowEphemeralRange();
            addresses.put(id, address);
            this.joiningPeers.put(id, this.peersOf.apply(this.ids.get(0)) + "," + id + "=" + address);
            this.ids.add(id);
            launch(id);
        }
        addresses.keySet().forEach(id -> this.nodes.get(id).awaitServing(START_TIMEOUT));
        return addresses;
    }

    public Path folder(String id) {
        return this.root.resolve(id);
    }

    public boolean isRunning(String id) {
        ServerProcess node = this.nodes.get(id);
        return node != null && node.isAlive();
    }

    public ServerProcess node(String id) {
        return this.nodes.get(id);
    }

    public List<String> running() {
        return this.ids.stream().filter(this::isRunning).toList();
    }

    public void kill9(String id) {
        this.nodes.get(id).kill9();
    }

    /** What {@code /actuator/health} says of the node's cluster component, or empty if it does not answer. */
    public Optional<ClusterState> state(String id) {
        if (!isRunning(id)) {
            return Optional.empty();
        }
        try {
            HttpResponse<String> response = this.http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.nodes.get(id).httpPort()
                            + "/actuator/health")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            Matcher role = ROLE.matcher(body);
            Matcher leader = LEADER.matcher(body);
            Matcher term = TERM.matcher(body);
            Matcher applied = APPLIED.matcher(body);
            if (!role.find() || !leader.find() || !term.find() || !applied.find()) {
                throw new IllegalStateException("health of " + id + " has no cluster component: " + body);
            }
            return Optional.of(new ClusterState(id, role.group(1), leader.group(1), Long.parseLong(term.group(1)),
                    Long.parseLong(applied.group(1))));
        }
        catch (IOException ex) {
            return Optional.empty();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** A node's view of the cluster, from its health. */
    public record ClusterState(String node, String role, String leader, long term, long appliedIndex) {
    }

    /** Waits until every running node names the same leader, itself running and LEADER; returns its id. */
    public String awaitLeader(Duration timeout) {
        return awaitLeaderAmong(timeout, running());
    }

    /** As {@link #awaitLeader(Duration)}, asking only {@code nodes} (say, all but a paused one). */
    public String awaitLeaderAmong(Duration timeout, List<String> nodes) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ClusterState> seen = List.of();
        while (System.nanoTime() < deadline) {
            seen = nodes.stream().map(this::state).flatMap(Optional::stream).toList();
            if (!seen.isEmpty() && seen.size() == nodes.size()) {
                String leader = seen.get(0).leader();
                boolean agreed = seen.stream().allMatch(s -> s.leader().equals(leader));
                boolean leads = seen.stream().anyMatch(s -> s.node().equals(leader) && s.role().equals("LEADER"));
                if (agreed && leads) {
                    return leader;
                }
            }
            pause(200);
        }
        throw new IllegalStateException("no agreed leader within " + timeout + "; nodes say " + seen);
    }

    /** Waits until every running node has applied the same index; returns it. */
    public long awaitSameAppliedIndex(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ClusterState> seen = List.of();
        while (System.nanoTime() < deadline) {
            seen = running().stream().map(this::state).flatMap(Optional::stream).toList();
            if (seen.size() == running().size()
                    && seen.stream().mapToLong(ClusterState::appliedIndex).distinct().count() == 1) {
                return seen.get(0).appliedIndex();
            }
            pause(200);
        }
        long highest = seen.stream().mapToLong(ClusterState::appliedIndex).max().orElse(-1);
        StringBuilder behind = new StringBuilder();
        for (ClusterState node : seen) {
            if (node.appliedIndex() < highest) {
                behind.append("\n--- the last lines of ").append(node.node()).append(", behind:\n")
                        .append(lastLines(output(node.node()), 40));
            }
        }
        throw new IllegalStateException("nodes did not reach the same applied index within " + timeout + ": " + seen
                + behind);
    }

    /** Polling interval of the waits above: they check real state each time, not elapsed time. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static String lastLines(String text, int count) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    public String output(String id) {
        ServerProcess node = this.nodes.get(id);
        return node == null ? "" : node.output();
    }

    @Override
    public void close() {
        this.nodes.values().forEach(ServerProcess::close);
    }
}
