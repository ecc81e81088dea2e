package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What changes with {@code HELLO 3}, against a real redis-server byte for byte: HELLO's own reply,
 * switching back and forth, and each reply type RESP3 adds, for every command Redis 7.0 gives one.
 */
class Resp3AgainstRedisTest extends ServerBesideRedis {

    @Override
    protected int protocol() {
        return 3;
    }

    /** Requests whose replies have a RESP3 type of their own (map, set, double, null) in Redis 7.0. */
    private static final List<List<String>> TYPED = List.of(
            List.of("GET", "nope"), List.of("SET", "s1", "x"), List.of("MGET", "s1", "nope"),
            List.of("SET", "s1", "y", "NX"), List.of("SET", "s1", "z", "NX", "GET"), List.of("LPOS", "nope", "a"),
            List.of("BLPOP", "nope", "0.01"), List.of("LMPOP", "1", "nope", "LEFT"), List.of("OBJECT", "ENCODING", "nope"),
            List.of("HSET", "h", "a", "1", "b", "2"), List.of("HGETALL", "h"), List.of("HGETALL", "nope"),
            List.of("HKEYS", "h"), List.of("HVALS", "h"), List.of("HSET", "h1", "only", "v"),
            List.of("HRANDFIELD", "h1", "1", "WITHVALUES"), List.of("HRANDFIELD", "h1", "-2", "WITHVALUES"),
            List.of("HRANDFIELD", "h1", "-2"), List.of("HRANDFIELD", "nope", "2", "WITHVALUES"),
            List.of("SADD", "si", "3", "1", "2"), List.of("SMEMBERS", "si"), List.of("SMEMBERS", "nope"),
            List.of("SINTER", "si", "si"), List.of("SUNION", "si", "nope"), List.of("SDIFF", "si", "nope"),
            List.of("SINTER", "si", "nope"), List.of("SMISMEMBER", "si", "1", "9"), List.of("SADD", "s2", "only"),
            List.of("SPOP", "s2", "1"), List.of("SPOP", "nope", "1"), List.of("SPOP", "si", "0"),
            List.of("SRANDMEMBER", "si", "0"), List.of("SSCAN", "si", "0"),
            List.of("ZADD", "z", "1.5", "a", "2", "b", "3", "c", "0.1", "d"), List.of("ZSCORE", "z", "a"),
            List.of("ZSCORE", "z", "d"), List.of("ZSCORE", "z", "nope"), List.of("ZSCORE", "nope", "a"),
            List.of("ZINCRBY", "z", "1", "a"), List.of("ZMSCORE", "z", "a", "nope", "d"), List.of("ZMSCORE", "nope", "a"),
            List.of("ZRANGE", "z", "0", "-1", "WITHSCORES"), List.of("ZRANGE", "z", "0", "-1"),
            List.of("ZRANGE", "z", "(1", "+inf", "BYSCORE", "WITHSCORES"), List.of("ZREVRANGE", "z", "0", "1", "WITHSCORES"),
            List.of("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "1", "2"),
            List.of("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"), List.of("ZRANGE", "nope", "0", "-1", "WITHSCORES"),
            List.of("ZUNION", "2", "z", "z", "WITHSCORES"), List.of("ZINTER", "1", "z", "WITHSCORES"),
            List.of("ZDIFF", "2", "z", "nope", "WITHSCORES"), List.of("ZUNION", "1", "z"),
            List.of("ZADD", "z", "INCR", "1", "b"), List.of("ZADD", "z", "NX", "INCR", "1", "b"),
            List.of("ZADD", "z", "XX", "INCR", "1", "nope"), List.of("ZSCAN", "z", "0"),
            List.of("ZPOPMIN", "z"), List.of("ZPOPMAX", "z", "2"), List.of("ZPOPMIN", "nope"), List.of("ZPOPMIN", "nope", "2"),
            List.of("ZADD", "z1", "7", "only"), List.of("ZRANDMEMBER", "z1", "1", "WITHSCORES"),
            List.of("ZRANDMEMBER", "z1", "-2", "WITHSCORES"), List.of("ZRANDMEMBER", "nope", "2", "WITHSCORES"),
            List.of("ZADD", "zinf", "inf", "up", "-inf", "down", "1e300", "big"), List.of("ZRANGE", "zinf", "0", "-1", "WITHSCORES"),
            List.of("ZMPOP", "2", "nope", "zinf", "MIN", "COUNT", "2"), List.of("ZMPOP", "1", "nope", "MAX"),
            List.of("BZPOPMAX", "nope", "zinf", "0"), List.of("BZMPOP", "0", "1", "z", "MIN"),
            List.of("BZPOPMIN", "nope", "0.01"), List.of("BZMPOP", "0.01", "1", "nope", "MIN"),
            List.of("SET", "l1", "ohmytext"), List.of("SET", "l2", "mynewtext"), List.of("LCS", "l1", "l2"),
            List.of("LCS", "l1", "l2", "IDX"), List.of("LCS", "l1", "l2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
            List.of("CONFIG", "GET", "save"), List.of("CONFIG", "GET", "nosuchsetting"), List.of("COMMAND", "DOCS", "nosuch"),
            List.of("MULTI"), List.of("HGETALL", "h"), List.of("ZSCORE", "z", "nope"), List.of("ZINCRBY", "z1", "1", "only"),
            List.of("SMEMBERS", "si"), List.of("GET", "nope"), List.of("ZRANGE", "z1", "0", "-1", "WITHSCORES"),
            List.of("EXEC"), List.of("WATCH", "s1"), List.of("SET", "s1", "changed"), List.of("MULTI"), List.of("GET", "s1"),
            List.of("EXEC"), List.of("PING"), List.of("HELLO", "4"), List.of("HELLO", "x"), List.of("HELLO", "3", "BOGUS"),
            List.of("HELLO", "3", "SETNAME", "bad name"));

    @Test
    void everyTypedReplyIsRedissByteForByte() {
        assertSameRepliesAsRedis(TYPED);
    }

    /**
     * HELLO's map in RESP3 and its array in RESP2, as Redis's but for what names the server: its
     * version (this server claims 7.0.0, Redis says its own patch level) and the connection's id
     * (a counter of each server's own connections).
     */
    @Test
    void helloSwitchesBothWaysWithRedissReply() {
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            assertSameReplies(kl, reference, List.of(List.of("HELLO", "3"), List.of("HGETALL", "nope"), List.of("HELLO"),
                    List.of("HELLO", "2"), List.of("HGETALL", "nope"), List.of("GET", "nope"), List.of("HELLO"),
                    List.of("HELLO", "3", "SETNAME", "resp3-client"), List.of("CLIENT", "GETNAME"),
                    List.of("ZSCORE", "nope", "a"), List.of("HELLO", "2", "AUTH", "default", "any"),
                    List.of("HELLO", "3", "AUTH", "nobody", "x"), List.of("GET", "nope")), Resp3AgainstRedisTest::masked);
        }
    }

    /**
     * A reply is worded in the version in force when its request ran, whenever it leaves: requests
     * pipelined around HELLO 3 and HELLO 2 (answered together, after all of them ran when they came
     * in one read), and a write whose null reply waits for the disk while HELLO waits behind it.
     */
    @Test
    void helloPipelinedSwitchesOnlyWhatFollowsIt() {
        assertSamePipelinedReplies(RespConnection.request("GET", "nope"), RespConnection.request("MGET", "nope"),
                RespConnection.request("HELLO", "3"), RespConnection.request("GET", "nope"),
                RespConnection.request("HELLO", "2"), RespConnection.request("GET", "nope"));
        assertSamePipelinedReplies(RespConnection.request("SET", "p", "1"), RespConnection.request("SET", "p", "2", "NX"),
                RespConnection.request("HELLO", "3"), RespConnection.request("SET", "p", "3", "NX"),
                RespConnection.request("HELLO", "2"), RespConnection.request("SET", "p", "4", "NX"));
    }

    private void assertSamePipelinedReplies(byte[]... requests) {
        java.io.ByteArrayOutputStream pipeline = new java.io.ByteArrayOutputStream();
        for (byte[] request : requests) {
            pipeline.writeBytes(request);
        }
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            kl.send(pipeline.toByteArray());
            reference.send(pipeline.toByteArray());
            for (int i = 0; i < requests.length; i++) {
                String expected = masked(reference.readReply());
                assertThat(escaped(masked(kl.readReply()))).as("reply %d of the pipeline", i).isEqualTo(escaped(expected));
            }
        }
    }

    /**
     * {@code redis-cli -3}, a real process, prints what it decoded the same for both servers: maps as
     * {@code 1# key => value}, sets as {@code 1~}, doubles as {@code (double)}, RESP3's null as {@code (nil)}.
     */
    @Test
    void redisCliInResp3PrintsTheSameForBoth() throws Exception {
        java.nio.file.Path cli = io.keystonelight.support.RedisServerProcess.executable("redis-cli");
        io.keystonelight.support.Needs.require(cli != null, "redis-cli is not installed (apt-get install redis-tools)");
        List<List<String>> requests = List.of(List.of("HSET", "h", "a", "1", "b", "2"), List.of("HGETALL", "h"),
                List.of("SADD", "s", "1", "2"), List.of("SMEMBERS", "s"), List.of("ZADD", "z", "1.5", "a", "2", "b"),
                List.of("ZSCORE", "z", "a"), List.of("ZRANGE", "z", "0", "-1", "WITHSCORES"), List.of("GET", "nope"),
                List.of("CONFIG", "GET", "save"));
        for (List<String> request : requests) {
            String expected = cli(cli, redis.port(), request);
            assertThat(cli(cli, this.port, request)).as("redis-cli -3 %s", request).isEqualTo(expected);
        }
    }

    private static String cli(java.nio.file.Path cli, int port, List<String> request) throws Exception {
        List<String> command = new ArrayList<>(List.of(cli.toString(), "-3", "--no-raw", "-p", String.valueOf(port)));
        command.addAll(request);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("redis-cli ended").isTrue();
        return output;
    }

    /** COMMAND's content is this server's own; in RESP3 each command's flags are a set, as Redis's. */
    @Test
    void commandFlagsAreSets() {
        try (RespConnection kl = open(this.port)) {
            assertThat(kl.call("COMMAND")).contains("*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n");
        }
    }

    /** INFO, CLIENT INFO and CLIENT LIST are verbatim text in RESP3; their content is this server's own. */
    @Test
    void textForHumansIsAVerbatimString() {
        try (RespConnection kl = open(this.port)) {
            assertThat(kl.call("INFO", "server")).startsWith("=").contains("\r\ntxt:# Server\r\n");
            String info = kl.call("CLIENT", "INFO");
            assertThat(info).as("CLIENT INFO in RESP3").matches("(?s)=\\d+\r\ntxt:id=\\d+ .* resp=3\n\r\n");
            assertThat(info.length() - info.indexOf("\r\n") - 4)
                    .as("the verbatim length counts txt: and the text, not the final CRLF")
                    .isEqualTo(Integer.parseInt(info.substring(1, info.indexOf("\r\n"))));
            assertThat(kl.call("CLIENT", "LIST")).startsWith("=").contains("txt:id=");
        }
    }

    /** Version and id are the server's own; the rest of HELLO's reply must match. */
    private static String masked(String reply) {
        return reply.replaceFirst("\\$7\r\nversion\r\n\\$\\d+\r\n[0-9.]+\r\n", "\\$7\r\nversion\r\n(version)\r\n")
                .replaceFirst("\\$2\r\nid\r\n:\\d+\r\n", "\\$2\r\nid\r\n(id)\r\n");
    }
}
