package io.keystonelight.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

import io.keystonelight.support.ClusterProcesses;
import io.keystonelight.support.LineClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One three-node cluster for the class, started the way a user starts one: every node at once.
 * Its start is timed (three nodes serving, a write acknowledged); then {@code compact} on a node,
 * and a follower whose folder is wiped while the cluster goes on writing comes back empty; the
 * leader has purged its log behind a snapshot, so the follower must catch up from the snapshot.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ResourceLock(ClusterProcesses.NODES)
class ClusterSnapshotIT {

    private static final Duration ELECTION = Duration.ofSeconds(60);

    /** Three JVMs starting at once on a loaded two-core machine can take a minute. */
    private static final Duration START = Duration.ofMinutes(3);

    /**
     * The bound on a start of three nodes, asserted only when asked for (on a machine that is
     * not running other work): three JVMs starting at once share its cores, so on a loaded
     * machine the figure says how loaded it is, not how fast the start is. It is printed always.
     */
    private static final String START_WITHIN = "keystonelight.cluster.start-within";

    @TempDir
    static Path folder;

    private static ClusterProcesses cluster;

    private static ClusterProcesses.StartTimes started;

    @BeforeAll
    static void start() {
        // Snapshots every 20 entries and small log segments, for the catch-up from a snapshot;
        // the other tests here are indifferent to them.
        cluster = new ClusterProcesses(folder, 3, "--keystonelight.cluster.snapshot-every=20",
                "--keystonelight.cluster.log-segment-size=16KB");
        started = cluster.startAllTimed(START);
        System.out.println("cluster start, load average " + java.lang.management.ManagementFactory
                .getOperatingSystemMXBean().getSystemLoadAverage() + " on "
                + Runtime.getRuntime().availableProcessors() + " cores:\n" + started);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void threeNodesLaunchedAtOnceServeAndAcknowledgeAWrite() {
        assertThat(started.nodes().values()).as("every node answered ping and learnt the leader: %s", started)
                .allMatch(node -> node.pong() >= 0 && node.leaderKnown() >= 0);
        // A node that announced itself before its Raft server was up took writes it could not
        // replicate: acknowledged on that node alone, then missing from the group.
        assertThat(started.nodes().values()).as("every node's Raft server up before it announced its data port: %s",
                started).allMatch(node -> node.raftUp() >= 0 && node.raftUp() <= node.serving());
        assertThat(started.nodes().values().stream().map(ClusterProcesses.StartTimes.Node::leaderTerm).distinct())
                .as("every node learnt the first leader in the same term: %s", started).hasSize(1);
        String bound = System.getProperty(START_WITHIN);
        if (bound != null && !bound.isBlank()) {
            Duration within = Duration.parse("PT" + bound.trim().toUpperCase());
            assertThat(started.allServing()).as("ms from the launch of three nodes to every node serving and a"
                    + " write acknowledged, asked to be within %s: %s", within, started)
                    .isLessThanOrEqualTo(within.toMillis());
        }
    }

    /**
     * {@code compact} on a cluster node with a few keys: Ratis by default takes no snapshot until
     * 1,024 entries were applied, and the reply said only that nothing was reclaimed.
     */
    @Test
    @Order(2)
    void compactOnAClusterNodeTakesASnapshotAndSaysWhatItHolds() {
        String leader = cluster.awaitLeader(ELECTION);
        String follower = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        write(leader, 0, 9);
        cluster.awaitSameAppliedIndex(ELECTION);
        try (LineClient client = LineClient.connect(cluster.node(follower).port())) {
            // The 9 keys and the one the timed start wrote.
            assertThat(client.call("compact")).as("compact on the follower %s with 10 keys", follower)
                    .matches("OK compacted: snapshot up to log index \\d+ \\(term \\d+\\): 10 keys in \\d+ bytes,"
                            + " written in \\d+ ms; Raft storage \\d+ -> \\d+ bytes .*");
            assertThat(client.call("compact")).as("compact again, nothing written since")
                    .startsWith("OK compacted: no new snapshot: nothing was applied since the last one");
        }
    }

    /** Last: it kills a follower, and leaves the cluster whole again. */
    @Test
    @Order(3)
    void aWipedFollowerCatchesUpFromASnapshot() throws IOException {
        String leader = cluster.awaitLeader(ELECTION);
        String follower = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        write(leader, 0, 300);
        cluster.kill9(follower);
        wipe(cluster.folder(follower));
        write(leader, 300, 1000);
        try (Stream<Path> snapshots = Files.walk(cluster.folder(leader))) {
            assertThat(snapshots.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")))
                    .as("the leader has taken snapshots").isNotEmpty();
        }
        try (Stream<Path> logs = Files.walk(cluster.folder(leader))) {
            assertThat(logs.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("log_")))
                    .as("the leader has purged the start of its log: the follower cannot replay it").isNotEmpty()
                    .noneMatch(name -> name.startsWith("log_0-"));
        }
        cluster.start(follower);
        cluster.awaitLeader(ELECTION);
        cluster.awaitSameAppliedIndex(ELECTION);
        // Logged after the snapshot's index counts as applied, so it may come after the nodes agree.
        cluster.node(follower).awaitOutput("Loaded snapshot", ELECTION);
        try (LineClient client = LineClient.connect(cluster.node(follower).port())) {
            for (int i = 0; i < 1000; i += 37) {
                assertThat(client.call("get s" + i)).isEqualTo("VALUE " + value(i));
            }
        }
    }

    /**
     * Writes in groups of ten pipelined requests, each group one log entry or two (a node gathers
     * the writes that arrive while one entry is out), with values long enough to fill segments.
     */
    private static void write(String node, int from, int to) {
        try (LineClient client = LineClient.connect(cluster.node(node).port())) {
            for (int group = from; group < to; group += 10) {
                StringBuilder batch = new StringBuilder();
                for (int i = group; i < Math.min(to, group + 10); i++) {
                    batch.append("set s").append(i).append(' ').append(value(i)).append('\n');
                }
                client.send(batch.toString());
                for (int i = group; i < Math.min(to, group + 10); i++) {
                    assertThat(client.readLine()).isEqualTo("OK");
                }
            }
        }
    }

    private static String value(int i) {
        return i + "-" + "v".repeat(200);
    }

    private static void wipe(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
