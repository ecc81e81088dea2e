package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.keystonelight.persistence.FileChannelOpener;
import io.keystonelight.support.FaultyDisk;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * What clients see while writes wait for the disk, over real sockets, with a disk whose fsyncs
 * can be held: a write is answered only once durable, no one reads it before that, a connection
 * sees its own earlier writes, and writers on many connections share fsyncs.
 */
class WriteOrderingTest extends ServerInThisJvm {

    static final FaultyDisk disk = new FaultyDisk();

    @TestConfiguration
    static class SlowDisk {

        @Bean
        FileChannelOpener slowDisk() {
            return disk;
        }
    }

    @AfterEach
    void releaseTheDisk() {
        disk.releaseFsyncs();
    }

    @Test
    void aWriteIsAnsweredOnlyOnceFsyncedAndNoOneReadsItBefore() throws Exception {
        try (LineClient writer = connect(); LineClient reader = connect()) {
            assertThat(writer.call("set order:k before")).isEqualTo("OK");
            disk.holdFsyncs();
            writer.send("set order:k after\n");
            assertThat(disk.awaitHeldFsync(Duration.ofSeconds(10))).as("the write reached its fsync").isTrue();
            // The write is in the file but not yet on disk: a crash could still take it away.
            assertThat(reader.call("get order:k")).isEqualTo("VALUE before");
            assertThat(writer.hasReplyWithin(Duration.ofMillis(200))).as("no OK before the fsync").isFalse();
            disk.releaseFsyncs();
            assertThat(writer.readLine()).isEqualTo("OK");
            assertThat(reader.call("get order:k")).isEqualTo("VALUE after");
        }
    }

    @Test
    void pipelinedRequestsSeeTheEffectsOfEarlierOnesOfTheirConnection() throws Exception {
        try (LineClient client = connect(); LineClient other = connect()) {
            disk.holdFsyncs();
            client.send("set seq:a 1\nget seq:a\nset seq:a 2\ndel seq:a\nget seq:a\nset seq:a 3\nget seq:a\nping\n");
            assertThat(disk.awaitHeldFsync(Duration.ofSeconds(10))).isTrue();
            // Another connection is not held up by this one's pending writes.
            assertThat(other.call("ping")).isEqualTo("PONG");
            assertThat(other.call("get seq:a")).isEqualTo("NOT_FOUND");
            disk.releaseFsyncs();
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replies.add(client.readLine());
            }
            assertThat(replies).containsExactly("OK", "VALUE 1", "OK", "DELETED 1", "NOT_FOUND", "OK", "VALUE 3",
                    "PONG");
        }
    }

    @Test
    void writersOnManyConnectionsShareFsyncs() throws Exception {
        int connections = 50;
        int writesEach = 100;
        int fsyncsBefore = disk.fsyncCount();
        ExecutorService clients = Executors.newFixedThreadPool(connections);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int id = c;
                done.add(CompletableFuture.runAsync(() -> {
                    try (LineClient client = connect()) {
                        for (int i = 0; i < writesEach; i++) {
                            assertThat(client.call("set share:" + id + " " + i)).isEqualTo("OK");
                        }
                    }
                }, clients));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        }
        finally {
            clients.shutdownNow();
        }
        int writes = connections * writesEach;
        int fsyncs = disk.fsyncCount() - fsyncsBefore;
        System.out.printf("fsync sharing: %d writes from %d connections took %d fsyncs (%.1f writes per fsync)%n",
                writes, connections, fsyncs, (double) writes / fsyncs);
        assertThat(fsyncs).isLessThan(writes / 4);
        for (int c = 0; c < connections; c++) {
            assertThat(this.store.get("share:" + c)).isEqualTo(Integer.toString(writesEach - 1));
        }
    }

    @Test
    void setsPipelinedInOneReadShareOneGroupAndOneFsync() {
        int writes = 16;
        try (RespConnection client = RespConnection.connect(this.port)) {
            assertThat(client.call("SET", "group:warm", "0")).isEqualTo("+OK\r\n");
            Map<String, Long> before = writeCounters(client);
            int fsyncsBefore = disk.fsyncCount();
            java.io.ByteArrayOutputStream pipelined = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < writes; i++) {
                pipelined.writeBytes(RespConnection.request("SET", "group:" + i, Integer.toString(i)));
            }
            // One send of a few hundred bytes: one segment on loopback, so one read of the server.
            client.send(pipelined.toByteArray());
            for (int i = 0; i < writes; i++) {
                assertThat(client.readReply()).as("reply to SET %d", i).isEqualTo("+OK\r\n");
            }
            Map<String, Long> after = writeCounters(client);
            int fsyncs = disk.fsyncCount() - fsyncsBefore;
            assertThat(after.get("keystonelight_writes_committed") - before.get("keystonelight_writes_committed"))
                    .as("writes committed").isEqualTo(writes);
            assertThat(after.get("keystonelight_write_groups") - before.get("keystonelight_write_groups"))
                    .as("groups that %d SETs of one read were committed in (fsyncs: %d); expected one group, "
                            + "one fsync, for all the writes of one read", writes, fsyncs)
                    .isEqualTo(1);
            assertThat(fsyncs).as("fsyncs for the %d SETs of one read", writes).isEqualTo(1);
        }
    }

    /** The write pipeline's counters, as INFO shows them. */
    private static Map<String, Long> writeCounters(RespConnection client) {
        Map<String, Long> counters = new java.util.HashMap<>();
        for (String line : client.call("INFO", "stats").split("\r\n")) {
            if (line.startsWith("keystonelight_write")) {
                String[] field = line.split(":", 2);
                counters.put(field[0], Long.parseLong(field[1].trim()));
            }
        }
        assertThat(counters).as("INFO stats' write counters").containsKeys("keystonelight_write_groups",
                "keystonelight_writes_committed");
        return counters;
    }
}
