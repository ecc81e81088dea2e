package io.keystonelight.protocol.resp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.RedisServerProcess;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import static org.assertj.core.api.Assertions.assertThat;

/** The server in this JVM beside a real redis-server of the test class's own, both emptied before each test. */
abstract class ServerBesideRedis extends ServerInThisJvm {

    @TempDir
    static Path redisFolder;

    static RedisServerProcess redis;

    @BeforeEach
    void startRedisOnce() {
        if (redis == null) {
            redis = RedisServerProcess.start(redisFolder);
        }
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            assertThat(kl.call("FLUSHALL")).isEqualTo("+OK\r\n");
            assertThat(reference.call("FLUSHALL")).isEqualTo("+OK\r\n");
        }
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    /** RESP's version the comparisons speak: 2, Redis's default, unless a subclass says 3. */
    protected int protocol() {
        return 2;
    }

    /**
     * A connection to {@code port} in {@link #protocol()}: for RESP3 it sends {@code HELLO 3} first and
     * checks that a map came back, since every reply after it is compared in that version.
     */
    protected RespConnection open(int port) {
        RespConnection connection = RespConnection.connect(port);
        if (protocol() == 3) {
            String hello = connection.call("HELLO", "3");
            assertThat(hello).as("HELLO 3 on port %d must answer RESP3's map of 7 fields", port).startsWith("%7\r\n");
        }
        return connection;
    }

    /** Sends each request to both servers on one connection each, in order; every reply must be the same bytes. */
    protected void assertSameRepliesAsRedis(List<List<String>> requests) {
        try (RespConnection kl = open(this.port); RespConnection reference = open(redis.port())) {
            assertSameReplies(kl, reference, requests, reply -> reply);
        }
    }

    /**
     * Sends each request on both connections, in order; every reply must be the same bytes once
     * {@code comparable} took out what may differ (what names the server, say).
     */
    protected static void assertSameReplies(RespConnection kl, RespConnection reference, List<List<String>> requests,
            UnaryOperator<String> comparable) {
        List<String> differences = new ArrayList<>();
        for (List<String> request : requests) {
            String expected = comparable.apply(reference.call(request.toArray(String[]::new)));
            String actual = comparable.apply(kl.call(request.toArray(String[]::new)));
            if (!expected.equals(actual)) {
                differences.add(request + "\n    redis:         " + escaped(expected) + "\n    keystonelight: "
                        + escaped(actual));
            }
        }
        assertThat(differences).as("requests whose replies differ from Redis's").isEmpty();
    }

    /** A reply with its CR and LF shown, for a failure message. */
    protected static String escaped(String reply) {
        return reply.replace("\r", "\\r").replace("\n", "\\n");
    }
}
