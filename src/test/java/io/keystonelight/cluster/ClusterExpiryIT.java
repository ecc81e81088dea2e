package io.keystonelight.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

import io.keystonelight.support.ClusterProcesses;
import io.keystonelight.support.RespConnection;

/**
 * Deadlines and hashes through three real nodes: the deadline travels as an absolute time, so
 * every node agrees on it; once it passed no node returns the key, and a leader killed and
 * brought back resurrects none.
 */
@ResourceLock(ClusterProcesses.NODES)
class ClusterExpiryIT {

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

    @Test
    void everyNodeAgreesOnDeadlinesAndNoneReturnsAKeyPastItsDeadlineAcrossAFailover() {
        this.cluster = new ClusterProcesses(this.folder, 3, "--keystonelight.cluster.write-timeout=5s");
        this.cluster.startAll();
        String leader = this.cluster.awaitLeader(ELECTION);
        String follower = this.cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        long deadline;
        try (RespConnection client = RespConnection.connect(this.cluster.node(follower).port())) {
            assertThat(client.call("HSET", "user:1", "name", "Ada", "city", "London")).isEqualTo(":2\r\n");
            assertThat(client.call("EXPIRE", "user:1", "1000")).isEqualTo(":1\r\n");
            assertThat(client.call("SET", "short", "v", "PX", "3000")).isEqualTo("+OK\r\n");
            deadline = System.currentTimeMillis() + 3000;
            assertThat(client.call("SET", "plain", "v")).isEqualTo("+OK\r\n");
        }
        String expireTime = null;
        for (String id : this.cluster.ids()) {
            try (RespConnection client = RespConnection.connect(this.cluster.node(id).port())) {
                assertThat(client.call("HGET", "user:1", "city")).as("on " + id).isEqualTo("$6\r\nLondon\r\n");
                String at = client.call("PEXPIRETIME", "user:1");
                if (expireTime == null) {
                    expireTime = at;
                }
                assertThat(at).as("the same absolute deadline on " + id).isEqualTo(expireTime);
            }
        }
        this.cluster.kill9(leader);
        String next = this.cluster.awaitLeader(ELECTION);
        assertThat(next).isNotEqualTo(leader);
        await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > deadline + 5);
        this.cluster.start(leader);
        this.cluster.awaitSameAppliedIndex(ELECTION);
        for (String id : this.cluster.ids()) {
            try (RespConnection client = RespConnection.connect(this.cluster.node(id).port())) {
                assertThat(client.call("GET", "short")).as("a key past its deadline, on " + id).isEqualTo("$-1\r\n");
                assertThat(client.call("EXISTS", "short", "plain", "user:1")).as("on " + id).isEqualTo(":2\r\n");
                assertThat(client.call("PEXPIRETIME", "user:1")).as("on " + id).isEqualTo(expireTime);
            }
        }
    }
}
