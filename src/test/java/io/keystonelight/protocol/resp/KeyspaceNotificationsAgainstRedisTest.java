package io.keystonelight.protocol.resp;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keyspace notifications for every write command of every family: the same script runs on
 * KeystoneLight and on a real redis-server 7.0, each watched by a subscriber to every keyspace and
 * keyevent channel, and the two subscribers must have received the same messages, byte for byte,
 * in the same order. Each script ends with a marker write, whose event is the last message a
 * subscriber reads: nothing is waited for by time.
 */
class KeyspaceNotificationsAgainstRedisTest extends ServerBesideRedis {

    private static final String MARKER = "keyspace-marker";

    @AfterEach
    void notificationsOff() {
        try (RespConnection kl = open(this.port); RespConnection reference = open(redis.port())) {
            kl.call("CONFIG", "SET", "notify-keyspace-events", "");
            reference.call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    @Test
    void stringsAndGenericCommandsNotifyAsRedis() {
        assertSameEventsAsRedis("KEA", List.of(
                List.of("SET", "s1", "v"), List.of("SET", "s1", "v", "NX"), List.of("SETNX", "s2", "v"),
                List.of("SETNX", "s2", "v"), List.of("SET", "s3", "v", "EX", "100"),
                List.of("SET", "s3", "w", "KEEPTTL"), List.of("SET", "s3", "x", "XX", "GET"),
                List.of("SETEX", "s4", "100", "v"), List.of("PSETEX", "s5", "100000", "v"),
                List.of("GETSET", "s1", "w"), List.of("MSET", "m1", "a", "m2", "b"),
                List.of("MSETNX", "m3", "a", "m4", "b"), List.of("MSETNX", "m3", "a", "m5", "c"),
                List.of("APPEND", "s1", "xx"), List.of("SETRANGE", "s1", "1", "yy"), List.of("SETRANGE", "s1", "0", ""),
                List.of("INCR", "n"), List.of("DECR", "n"), List.of("INCRBY", "n", "5"), List.of("DECRBY", "n", "2"),
                List.of("INCRBYFLOAT", "f", "1.5"), List.of("SETBIT", "b", "3", "1"),
                List.of("BITOP", "OR", "bo", "b"), List.of("BITOP", "AND", "bo", "missing"),
                List.of("GETDEL", "m1"), List.of("GETDEL", "missing"),
                List.of("GETEX", "s1", "EX", "100"), List.of("GETEX", "s1", "PERSIST"), List.of("GETEX", "s1", "PERSIST"),
                List.of("GETEX", "m2", "PXAT", "1"),
                List.of("EXPIRE", "s4", "200"), List.of("PEXPIRE", "s4", "300000"),
                List.of("EXPIREAT", "s4", "4102444800"), List.of("PEXPIREAT", "s4", "4102444800000"),
                List.of("EXPIRE", "s4", "100", "NX"), List.of("PERSIST", "s4"), List.of("PERSIST", "s4"),
                List.of("EXPIRE", "s5", "-1"), List.of("EXPIRE", "missing", "100"),
                List.of("RENAME", "s1", "r1"), List.of("RENAME", "r1", "r1"), List.of("RENAMENX", "r1", "r2"),
                List.of("RENAMENX", "r2", "m4"), List.of("COPY", "r2", "c1"), List.of("COPY", "r2", "c1"),
                List.of("COPY", "r2", "c1", "REPLACE"), List.of("DEL", "s2", "missing", "c1"), List.of("UNLINK", "m3")));
    }

    @Test
    void expiryNotifiesAsRedis() {
        List<List<String>> script = List.of(List.of("SET", "gone", "1", "PX", "20"));
        assertSameEventsAsRedis("KEA", script, (writer, port) -> {
            // The key is gone once asked for after its deadline, and its expired event then sent.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!writer.call("PTTL", "gone").equals(":-2\r\n")) {
                assertThat(System.nanoTime()).as("key 'gone' expired within 10 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            // Redis expired it when PTTL looked; a write looking at it makes sure KeystoneLight has
            // too, before the marker, whether or not its active expiry came first.
            assertThat(writer.call("DEL", "gone")).isEqualTo(":0\r\n");
        });
    }

    @Test
    void hashesAndListsNotifyAsRedis() {
        assertSameEventsAsRedis("KEA", List.of(
                List.of("HSET", "h", "a", "1", "b", "2"), List.of("HMSET", "h", "c", "3"), List.of("HSETNX", "h", "a", "9"),
                List.of("HSETNX", "h", "d", "4"), List.of("HINCRBY", "h", "a", "5"), List.of("HINCRBYFLOAT", "h", "a", "0.5"),
                List.of("HDEL", "h", "zz"), List.of("HDEL", "h", "a", "b"), List.of("HDEL", "h", "c", "d"),
                List.of("RPUSH", "l", "a", "b", "c"), List.of("LPUSH", "l", "z"), List.of("LPUSHX", "l", "y"),
                List.of("RPUSHX", "nolist", "x"), List.of("LINSERT", "l", "BEFORE", "a", "q"),
                List.of("LINSERT", "l", "BEFORE", "nothere", "q"), List.of("LSET", "l", "0", "Z"),
                List.of("LREM", "l", "1", "q"), List.of("LREM", "l", "0", "none"), List.of("LTRIM", "l", "0", "10"),
                List.of("LPOP", "l"), List.of("RPOP", "l"), List.of("LPOP", "l", "1"), List.of("LPOP", "nolist", "2"),
                List.of("RPUSH", "l", "d", "e", "f", "g", "h", "i", "j"),
                List.of("LMOVE", "l", "l2", "LEFT", "RIGHT"), List.of("RPOPLPUSH", "l2", "l3"),
                List.of("LMOVE", "l3", "l3", "LEFT", "LEFT"), List.of("BLPOP", "l", "0"), List.of("BRPOP", "l", "0"),
                List.of("BLMOVE", "l", "l4", "RIGHT", "LEFT", "0"), List.of("BRPOPLPUSH", "l", "l4", "0"),
                List.of("BLMPOP", "0", "1", "l", "LEFT"), List.of("LMPOP", "2", "nolist", "l", "RIGHT", "COUNT", "10"),
                List.of("LMOVE", "l4", "l5", "LEFT", "LEFT"), List.of("LMOVE", "l4", "l5", "LEFT", "LEFT"),
                List.of("LTRIM", "l5", "5", "10"), List.of("LTRIM", "l5", "0", "1")));
    }

    @Test
    void setsAndSortedSetsNotifyAsRedis() {
        assertSameEventsAsRedis("KEA", List.of(
                List.of("SADD", "st", "a", "b", "c"), List.of("SADD", "st", "a"), List.of("SREM", "st", "z"),
                List.of("SREM", "st", "a"), List.of("SMOVE", "st", "st2", "b"), List.of("SMOVE", "st", "st2", "nothere"),
                List.of("SMOVE", "st", "st2", "c"), List.of("SADD", "st3", "c"), List.of("SMOVE", "st3", "st2", "c"),
                List.of("SADD", "sp", "x"), List.of("SPOP", "sp"), List.of("SADD", "sp", "y"), List.of("SPOP", "sp", "1"),
                List.of("SPOP", "sp", "1"), List.of("SADD", "sx", "b", "z"),
                List.of("SINTERSTORE", "d", "st2", "sx"), List.of("SUNIONSTORE", "d", "st2", "sx"),
                List.of("SDIFFSTORE", "d", "st2", "st2"), List.of("SDIFFSTORE", "d", "st2", "st2"),
                List.of("ZADD", "z", "1", "a", "2", "b", "3", "c"), List.of("ZADD", "z", "1", "a"),
                List.of("ZADD", "z", "XX", "CH", "5", "a"), List.of("ZADD", "z", "INCR", "1", "a"),
                List.of("ZINCRBY", "z", "2", "b"), List.of("ZADD", "z", "NX", "9", "a"), List.of("ZREM", "z", "nothere"),
                List.of("ZREM", "z", "c"), List.of("ZREMRANGEBYSCORE", "z", "100", "200"),
                List.of("ZADD", "z", "10", "d", "11", "e", "12", "f", "13", "g", "14", "h", "15", "i", "16", "j"),
                List.of("ZREMRANGEBYSCORE", "z", "10", "10"), List.of("ZREMRANGEBYRANK", "z", "0", "0"),
                List.of("ZADD", "zl", "0", "a", "0", "b", "0", "c"), List.of("ZREMRANGEBYLEX", "zl", "[a", "[a"),
                List.of("ZPOPMIN", "z"), List.of("ZPOPMAX", "z", "2"), List.of("ZPOPMIN", "nozset"),
                List.of("ZMPOP", "1", "z", "MIN", "COUNT", "1"), List.of("BZPOPMIN", "z", "0"),
                List.of("BZPOPMAX", "z", "0"), List.of("BZMPOP", "0", "1", "z", "MAX"),
                List.of("ZUNIONSTORE", "zd", "2", "z", "zl"), List.of("ZINTERSTORE", "zd", "2", "z", "zl"),
                List.of("ZINTERSTORE", "zd", "2", "z", "zl"), List.of("ZDIFFSTORE", "zd", "1", "zl"),
                List.of("ZRANGESTORE", "zr", "zl", "0", "-1"), List.of("ZRANGESTORE", "zr", "zl", "5", "10"),
                List.of("ZREMRANGEBYRANK", "zl", "0", "-1"), List.of("ZADD", "z", "1", "only"),
                List.of("ZPOPMAX", "z", "10")));
    }

    /** Only the classes asked for reach the subscriber, and K or E alone sends one channel's messages. */
    @Test
    void onlyTheClassesAskedForNotify() {
        List<List<String>> everyFamily = List.of(List.of("SET", "s", "1"), List.of("INCR", "s"),
                List.of("EXPIRE", "s", "100"), List.of("HSET", "h", "a", "1"), List.of("RPUSH", "l", "a"),
                List.of("LPOP", "l"), List.of("SADD", "st", "a"), List.of("ZADD", "z", "1", "a"), List.of("DEL", "s"));
        assertSameEventsAsRedis("Elz$", everyFamily);
        assertSameEventsAsRedis("Kgsh$", everyFamily);
    }

    /** Class n, which A leaves out: {@code new} for a key a write adds, before the command's own event. */
    @Test
    void newKeysNotifyAsRedis() {
        assertSameEventsAsRedis("KEAn", List.of(List.of("SET", "s", "1"), List.of("SET", "s", "2"),
                List.of("INCR", "i"), List.of("APPEND", "a", "x"), List.of("SETRANGE", "r", "2", "x"),
                List.of("MSET", "m1", "1", "s", "3"), List.of("SETBIT", "b", "1", "1"), List.of("BITOP", "OR", "bo", "b"),
                List.of("RPUSH", "l", "a", "b"), List.of("LPUSH", "l", "c"), List.of("LMOVE", "l", "l2", "LEFT", "LEFT"),
                List.of("HSET", "h", "f", "1"), List.of("HINCRBY", "h2", "f", "1"), List.of("SADD", "st", "a", "b"),
                List.of("SMOVE", "st", "st2", "a"), List.of("SUNIONSTORE", "st3", "st", "st2"),
                List.of("SUNIONSTORE", "st3", "st"), List.of("ZADD", "z", "1", "a"), List.of("ZINCRBY", "z2", "1", "a"),
                List.of("ZUNIONSTORE", "z3", "2", "z", "z2"), List.of("ZUNIONSTORE", "z3", "1", "z"),
                List.of("ZRANGESTORE", "z4", "z", "0", "-1"), List.of("RENAME", "s", "i"), List.of("RENAME", "i", "fresh"),
                List.of("COPY", "fresh", "c"), List.of("COPY", "l", "c", "REPLACE"), List.of("GETSET", "g", "1"),
                List.of("DEL", "g"), List.of("SET", "g", "2")));
    }

    /** A client blocked on an empty list, served by a later push: the push's event, then the pop's and del. */
    @Test
    void servingABlockedPopNotifiesAsRedis() {
        assertSameEventsAsRedis("KEA", List.of(List.of("SET", "before", "1")), (writer, port) -> {
            try (RespConnection blocker = open(port)) {
                blocker.send(RespConnection.request("BLPOP", "queue", "0"));
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!writer.call("INFO", "clients").contains("blocked_clients:1\r\n")) {
                    assertThat(System.nanoTime()).as("BLPOP blocked within 10 s").isLessThan(deadline);
                    Thread.onSpinWait();
                }
                assertThat(writer.call("RPUSH", "queue", "job")).isEqualTo(":1\r\n");
                assertThat(blocker.readReply()).isEqualTo("*2\r\n$5\r\nqueue\r\n$3\r\njob\r\n");
            }
        });
    }

    /** What the commands of a transaction send, in their order. */
    @Test
    void transactionsNotifyAsRedis() {
        assertSameEventsAsRedis("KEA", List.of(List.of("MULTI"), List.of("SET", "t", "1"), List.of("INCR", "t"),
                List.of("RPUSH", "l", "a"), List.of("LPOP", "l"), List.of("EXPIRE", "t", "100"), List.of("EXEC")));
    }

    /** What a test does on a server after the script, before the marker. */
    @FunctionalInterface
    private interface More {

        void run(RespConnection writer, int port);
    }

    private void assertSameEventsAsRedis(String classes, List<List<String>> script) {
        assertSameEventsAsRedis(classes, script, (writer, port) -> {
        });
    }

    /**
     * Runs {@code script}, then {@code more}, on each server with {@code classes} set, and compares
     * the replies and what each server's subscriber received, up to the marker.
     */
    private void assertSameEventsAsRedis(String classes, List<List<String>> script,
            More more) {
        try (RespConnection klWriter = open(this.port); RespConnection redisWriter = open(redis.port());
                RespConnection klSubscriber = open(this.port); RespConnection redisSubscriber = open(redis.port())) {
            List<String> expected = run(redisWriter, redisSubscriber, classes, script, writer -> more.run(writer,
                    redis.port()));
            List<String> actual = run(klWriter, klSubscriber, classes, script, writer -> more.run(writer, this.port));
            assertThat(actual).as("""
                    replies, then the messages of a subscriber to __keyspace@0__:* and __keyevent@0__:* with \
                    notify-keyspace-events %s, compared with redis-server's (expected)""", classes)
                    .containsExactlyElementsOf(expected);
        }
    }

    private static List<String> run(RespConnection writer, RespConnection subscriber, String classes,
            List<List<String>> script, java.util.function.Consumer<RespConnection> more) {
        assertThat(writer.call("FLUSHALL")).isEqualTo("+OK\r\n");
        assertThat(writer.call("CONFIG", "SET", "notify-keyspace-events", classes)).isEqualTo("+OK\r\n");
        subscriber.send(RespConnection.request("PSUBSCRIBE", "__keyspace@0__:*", "__keyevent@0__:*"));
        subscriber.readReply();
        subscriber.readReply();
        List<String> seen = new ArrayList<>();
        for (List<String> request : script) {
            seen.add(escaped(request + " -> " + writer.call(request.toArray(String[]::new))));
        }
        more.accept(writer);
        assertThat(writer.call("SET", MARKER, "1")).isEqualTo("+OK\r\n");
        // The marker's last message: its keyevent when E is asked for, else its keyspace message.
        String last = classes.contains("E") ? pmessage("__keyevent@0__:*", "__keyevent@0__:set", MARKER)
                : pmessage("__keyspace@0__:*", "__keyspace@0__:" + MARKER, "set");
        while (true) {
            String message;
            try {
                message = subscriber.readReply();
            }
            catch (UncheckedIOException timedOut) {
                seen.add("no marker event within the read timeout: " + timedOut.getMessage());
                return seen;
            }
            if (message.equals(last)) {
                return seen;
            }
            seen.add(escaped(message));
        }
    }

    private static String pmessage(String pattern, String channel, String payload) {
        return "*4\r\n$8\r\npmessage\r\n" + bulk(pattern) + bulk(channel) + bulk(payload);
    }

    private static String bulk(String text) {
        return "$" + text.length() + "\r\n" + text + "\r\n";
    }
}
