package io.keystonelight.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ClusterProcesses;
import io.keystonelight.support.LineClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A follower whose folder is wiped while the cluster goes on writing comes back empty; the
 * leader has purged its log behind a snapshot, so the follower must catch up from the snapshot.
 */
class ClusterSnapshotIT {

    private static final Duration ELECTION = Duration.ofSeconds(60);

    @TempDir
    Path folder;

    private ClusterProcesses cluster;

    @AfterEach
    void stop() {
        if (this.cluster != null) {
            this.cluster.close();
        }
    }

    /**
     * {@code compact} on a cluster node with a few keys: Ratis by default takes no snapshot until
     * 1,024 entries were applied, and the reply said only that nothing was reclaimed.
     */
    @Test
    void compactOnAClusterNodeTakesASnapshotAndSaysWhatItHolds() {
        this.cluster = new ClusterProcesses(this.folder, 3);
        this.cluster.startAll();
        String leader = this.cluster.awaitLeader(ELECTION);
        String follower = this.cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        write(leader, 0, 9);
        this.cluster.awaitSameAppliedIndex(ELECTION);
        try (LineClient client = LineClient.connect(this.cluster.node(follower).port())) {
            assertThat(client.call("compact")).as("compact on the follower %s with 9 keys", follower)
                    .matches("OK compacted: snapshot up to log index \\d+ \\(term \\d+\\): 9 keys in \\d+ bytes,"
                            + " written in \\d+ ms; Raft storage \\d+ -> \\d+ bytes .*");
            assertThat(client.call("compact")).as("compact again, nothing written since")
                    .startsWith("OK compacted: no new snapshot: nothing was applied since the last one");
        }
    }

    @Test
    void aWipedFollowerCatchesUpFromASnapshot() throws IOException {
        this.cluster = new ClusterProcesses(this.folder, 3, "--keystonelight.cluster.snapshot-every=20",
                "--keystonelight.cluster.log-segment-size=16KB");
        this.cluster.startAll();
        String leader = this.cluster.awaitLeader(ELECTION);
        String follower = this.cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        write(leader, 0, 300);
        this.cluster.kill9(follower);
        wipe(this.cluster.folder(follower));
        write(leader, 300, 1000);
        try (Stream<Path> snapshots = Files.walk(this.cluster.folder(leader))) {
            assertThat(snapshots.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")))
                    .as("the leader has taken snapshots").isNotEmpty();
        }
        try (Stream<Path> logs = Files.walk(this.cluster.folder(leader))) {
            assertThat(logs.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("log_")))
                    .as("the leader has purged the start of its log: the follower cannot replay it").isNotEmpty()
                    .noneMatch(name -> name.startsWith("log_0-"));
        }
        this.cluster.start(follower);
        this.cluster.awaitLeader(ELECTION);
        this.cluster.awaitSameAppliedIndex(ELECTION);
        assertThat(this.cluster.output(follower)).as("the wiped follower loaded a snapshot")
                .contains("Loaded snapshot");
        try (LineClient client = LineClient.connect(this.cluster.node(follower).port())) {
            for (int i = 0; i < 1000; i += 37) {
                assertThat(client.call("get s" + i)).isEqualTo("VALUE " + value(i));
            }
        }
    }

    /**
     * Writes in groups of ten pipelined requests, each group one log entry or two (a node gathers
     * the writes that arrive while one entry is out), with values long enough to fill segments.
     */
    private void write(String node, int from, int to) {
        try (LineClient client = LineClient.connect(this.cluster.node(node).port())) {
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
