package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;

import io.keystonelight.support.NettyLeakDetectionOff;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.TestPropertySource;

/**
 * A group of writes to a large set, sorted set or list copies what it changes, not the whole
 * collection: the committer allocates about as much for 16 pipelined SADDs (or ZADDs, LPUSHes)
 * into a key of tens of thousands of members as into a new key. Copying the whole collection per group made these
 * writes cost the key's size per fsync (issue 19), read here from INFO's allocation counter of
 * the committer, which does every group's work under fsync always.
 */
@ExtendWith(NettyLeakDetectionOff.class)
@TestPropertySource(properties = "keystonelight.storage.fsync=always")
class GroupCopiesTest extends ServerInThisJvm {

    private static final int WRITES = 16;

    private static final int LARGE = 50_000;

    @Test
    void saddsIntoALargeSetAllocateAboutAsMuchAsIntoANewOne() {
        try (RespConnection client = RespConnection.connect(this.port)) {
            fill(client, "SADD", "large:set", LARGE);
            long small = leastAllocatedByAGroup(client, "SADD", "small:set", ":1\r\n");
            long large = leastAllocatedByAGroup(client, "SADD", "large:set", ":1\r\n");
            // A whole copy of the set allocated over 2 MB; its changed chunks are 16 of the index's
            // and one of the members' at most, 4 KB each.
            assertThat(large - small).as("bytes the committer allocated for %d pipelined SADDs into a set of %d "
                    + "members (%d bytes) beyond those into a new set (%d bytes); expected a copy of the changed "
                    + "chunks only, not of the whole set", WRITES, LARGE, large, small).isLessThan(256 * 1024);
            assertThat(client.call("SCARD", "large:set")).isEqualTo(":" + (LARGE + 3 * WRITES) + "\r\n");
        }
    }

    @Test
    void zaddsIntoALargeSortedSetAllocateAboutAsMuchAsIntoANewOne() {
        try (RespConnection client = RespConnection.connect(this.port)) {
            fill(client, "ZADD", "large:zset", LARGE);
            long small = leastAllocatedByAGroup(client, "ZADD", "small:zset", ":1\r\n");
            long large = leastAllocatedByAGroup(client, "ZADD", "large:zset", ":1\r\n");
            // A whole copy of the map and tree allocated over 4 MB. The new members' scores spread
            // them over the order, so each copies its own path of nodes (about 1 KB a node, three
            // deep) and a chunk of the index (4 KB): about 60 KB for the 16 in one group. Were
            // each write a group of its own on a slow machine, each would copy its chunks of the
            // members, hashes and scores too: under 400 KB, well below the bound.
            assertThat(large - small).as("bytes the committer allocated for %d pipelined ZADDs into a sorted set of "
                    + "%d members (%d bytes) beyond those into a new one (%d bytes); expected a copy of the changed "
                    + "nodes and chunks only, not of the whole sorted set", WRITES, LARGE, large, small)
                    .isLessThan(1024 * 1024);
            assertThat(client.call("ZCARD", "large:zset")).isEqualTo(":" + (LARGE + 3 * WRITES) + "\r\n");
            assertThat(client.call("ZRANK", "large:zset", "m" + (LARGE - 1))).isEqualTo(":" + (LARGE + 3 * WRITES - 1)
                    + "\r\n");
        }
    }

    @Test
    void lpushesOntoALongListAllocateAboutAsMuchAsOntoANewOne() {
        int length = LARGE;
        try (RespConnection client = RespConnection.connect(this.port)) {
            fill(client, "RPUSH", "long:list", length);
            long small = leastAllocatedByAGroup(client, "LPUSH", "short:list", null);
            long large = leastAllocatedByAGroup(client, "LPUSH", "long:list", null);
            // A whole copy of the ring was 256 KB; the chunk at the head is 4 KB.
            assertThat(large - small).as("bytes the committer allocated for %d pipelined LPUSHes onto a list of %d "
                    + "(%d bytes) beyond those onto a new list (%d bytes); expected a copy of the head's chunk "
                    + "only, not of the whole list", WRITES, length, large, small).isLessThan(64 * 1024);
            assertThat(client.call("LINDEX", "long:list", "-1")).isEqualTo("$" + ("m" + (length - 1)).length()
                    + "\r\nm" + (length - 1) + "\r\n");
        }
    }

    /**
     * Members {@code m0} to {@code m<count - 1>}, a thousand to a command, all sent at once; for
     * ZADD, member {@code m<i>} has score {@code i}.
     */
    private static void fill(RespConnection client, String command, String key, int count) {
        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        int commands = 0;
        for (int from = 0; from < count; from += 1000) {
            List<String> arguments = new ArrayList<>(List.of(command, key));
            for (int i = from; i < Math.min(count, from + 1000); i++) {
                arguments.addAll(arguments(command, i, "m" + i));
            }
            requests.writeBytes(RespConnection.request(arguments.toArray(String[]::new)));
            commands++;
        }
        client.send(requests.toByteArray());
        for (int i = 0; i < commands; i++) {
            assertThat(client.readReply()).as("reply to %s %d of the fill", command, i).startsWith(":");
        }
    }

    /**
     * What the committer allocated for {@value #WRITES} writes of new members sent in one go, the
     * least of three rounds: the writes' cost shows in every round, a task run now and then (the
     * first run of a method, a timer) in one.
     *
     * @param reply what each write answers, or {@code null} to check only that it answered a number
     */
    private static long leastAllocatedByAGroup(RespConnection client, String command, String key, String reply) {
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            ByteArrayOutputStream pipelined = new ByteArrayOutputStream();
            for (int i = 0; i < WRITES; i++) {
                List<String> request = new ArrayList<>(List.of(command, key));
                // Scores below those of the fill, spread over them, land each write in another part of the order.
                request.addAll(arguments(command, (i * 7919 + round * 131) % LARGE - 0.5, "new:" + round + ":" + i));
                pipelined.writeBytes(RespConnection.request(request.toArray(String[]::new)));
            }
            long before = committerAllocated(client);
            client.send(pipelined.toByteArray());
            for (int i = 0; i < WRITES; i++) {
                String answer = client.readReply();
                if (reply != null) {
                    assertThat(answer).as("reply to %s %d of round %d", command, i, round).isEqualTo(reply);
                }
                else {
                    assertThat(answer).as("reply to %s %d of round %d", command, i, round).startsWith(":");
                }
            }
            least = Math.min(least, committerAllocated(client) - before);
        }
        return least;
    }

    /** A member's arguments: the member, or for ZADD its score and the member. */
    private static List<String> arguments(String command, double score, String member) {
        return command.equals("ZADD") ? List.of(Double.toString(score), member) : List.of(member);
    }

    private static long committerAllocated(RespConnection client) {
        Matcher matcher = Pattern.compile("(?m)^keystonelight_committer_allocated_bytes:(-?[0-9]+)")
                .matcher(client.call("INFO", "stats"));
        assertThat(matcher.find()).as("INFO stats has keystonelight_committer_allocated_bytes").isTrue();
        long bytes = Long.parseLong(matcher.group(1));
        assertThat(bytes).as("the committer's allocation counter (-1: this JVM does not count)").isNotNegative();
        return bytes;
    }
}
