package io.keystonelight.protocol.resp;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * CONFIG GET|SET|RESETSTAT|REWRITE|HELP beside a real redis-server: errors, help and the values of
 * settings both servers hold the same are the same bytes; what a changed setting does is seen on
 * new and open connections.
 */
class RespConfigAgainstRedisTest extends ServerBesideRedis {

    private static final List<String> DEFAULTS = List.of("CONFIG", "SET", "maxclients", "10000", "timeout", "0",
            "proto-max-bulk-len", "512mb", "notify-keyspace-events", "");

    @AfterEach
    void restoreTheDefaults() {
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            assertThat(kl.call(DEFAULTS.toArray(String[]::new))).isEqualTo("+OK\r\n");
            assertThat(reference.call(DEFAULTS.toArray(String[]::new))).isEqualTo("+OK\r\n");
        }
    }

    @Test
    void setErrorsValuesAndHelpAnswerAsRedis() {
        assertSameRepliesAsRedis(List.of(List.of("CONFIG", "SET", "maxclients", "abc"),
                List.of("CONFIG", "SET", "maxclients", "100", "maxclients", "200"),
                List.of("CONFIG", "SET", "foo", "bar"), List.of("CONFIG", "SET", "maxclients", "100", "Foo", "bar"),
                List.of("CONFIG", "SET", "maxclients", "0", "foo", "bar"), List.of("CONFIG", "SET", "maxclients"),
                List.of("CONFIG", "SET", "maxclients", "100", "timeout"),
                List.of("CONFIG", "SET", "maxclients", "0"), List.of("CONFIG", "SET", "maxclients", "5000000000"),
                List.of("CONFIG", "SET", "maxclients", "+5"), List.of("CONFIG", "SET", "maxclients", "1.5"),
                List.of("CONFIG", "SET", "timeout", "-1"), List.of("CONFIG", "SET", "timeout", "2147483648"),
                List.of("CONFIG", "SET", "timeout", "05"), List.of("CONFIG", "SET", "proto-max-bulk-len", "10"),
                List.of("CONFIG", "SET", "proto-max-bulk-len", "abc"),
                List.of("CONFIG", "SET", "notify-keyspace-events", "Q"),
                List.of("CONFIG", "SET", "MaxClients", "100", "maxclients", "5"),
                // All or nothing: the first is valid, the second refuses the request, the first stays as it was.
                List.of("CONFIG", "SET", "maxclients", "50", "notify-keyspace-events", "Q"),
                List.of("CONFIG", "SET", "maxclients", "50", "timeout", "abc"),
                List.of("CONFIG", "GET", "maxclients"), List.of("CONFIG", "GET", "notify-keyspace-events"),
                List.of("CONFIG", "SET", "MAXCLIENTS", "77", "Timeout", "5", "proto-max-bulk-len", "1mb",
                        "notify-keyspace-events", "KEA"),
                List.of("CONFIG", "GET", "maxclients"), List.of("CONFIG", "GET", "timeout"),
                List.of("CONFIG", "GET", "proto-max-bulk-len"), List.of("CONFIG", "GET", "notify-keyspace-events"),
                // One pattern at a time: Redis lists the matches of several in its hash table's order, which varies.
                List.of("CONFIG", "GET", "maxclient?"), List.of("CONFIG", "GET", "TIME*"),
                List.of("CONFIG", "GET", "timeout", "timeout"),
                List.of("CONFIG", "SET", "proto-max-bulk-len", "2000kb"), List.of("CONFIG", "GET", "proto-max-bulk-len"),
                List.of("CONFIG", "SET", "proto-max-bulk-len", "2m"), List.of("CONFIG", "GET", "proto-max-bulk-len"),
                List.of("CONFIG", "GET", "no-such-setting"), List.of("CONFIG", "GET"),
                List.of("CONFIG", "RESETSTAT", "x"), List.of("CONFIG", "REWRITE", "x"), List.of("CONFIG", "HELP"),
                List.of("CONFIG", "HELP", "x"), List.of("CONFIG", "RESETSTAT"), List.of("CONFIG")));
    }

    @Test
    void aSettingFixedAtStartRefusesTheWholeRequestWithRedissImmutableError() {
        try (RespConnection kl = RespConnection.connect(this.port)) {
            // The write path is built for its fsync policy at start, so appendfsync cannot change under it.
            assertThat(kl.call("CONFIG", "SET", "maxclients", "42", "appendfsync", "always")).isEqualTo(
                    "-ERR CONFIG SET failed (possibly related to argument 'appendfsync') - can't set immutable config"
                            + "\r\n");
            assertThat(kl.call("CONFIG", "SET", "Port", "1")).isEqualTo(
                    "-ERR CONFIG SET failed (possibly related to argument 'Port') - can't set immutable config\r\n");
            assertThat(kl.call("CONFIG", "GET", "maxclients")).as("maxclients after a refused request")
                    .isEqualTo("*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
            assertThat(kl.call("CONFIG", "REWRITE")).startsWith("-ERR CONFIG REWRITE is not supported: ")
                    .contains("keystonelight.*").endsWith("\r\n");
        }
    }

    @Test
    void maxclientsRefusesNewConnectionsOverTheNewLimitAndLetsThemInWhenRaised() throws Exception {
        try (RespConnection kl = RespConnection.connect(this.port)) {
            // The connections of the set-up before this test close on their own loops: wait until only this one is left.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> infoField(kl.call("INFO", "clients"), "connected_clients") == 1);
            assertThat(kl.call("CONFIG", "SET", "maxclients", "1")).isEqualTo("+OK\r\n");
            assertThat(infoField(kl.call("INFO", "clients"), "maxclients")).isEqualTo(1);
            assertThat(everythingUntilClosed()).as("what a second connection gets with maxclients 1")
                    .startsWith("ERR too many connections: this server serves at most 1 at once");
            assertThat(kl.call("CONFIG", "SET", "maxclients", "2")).isEqualTo("+OK\r\n");
            try (RespConnection admitted = RespConnection.connect(this.port)) {
                assertThat(admitted.call("PING")).as("a connection within the raised limit").isEqualTo("+PONG\r\n");
            }
            // Here, not after the test: the connections closed just now may still count when the next one arrives.
            assertThat(kl.call("CONFIG", "SET", "maxclients", "10000")).isEqualTo("+OK\r\n");
        }
    }

    /** Connects and reads until the server closes the connection, up to 10 s. */
    private String everythingUntilClosed() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", this.port)) {
            socket.setSoTimeout(10_000);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void timeoutClosesAConnectionThatWasAlreadyOpenAndIdle() {
        try (RespConnection idle = RespConnection.connect(this.port);
                RespConnection kl = RespConnection.connect(this.port)) {
            assertThat(idle.call("PING")).isEqualTo("+PONG\r\n");
            assertThat(kl.call("CONFIG", "SET", "timeout", "1")).isEqualTo("+OK\r\n");
            // Waits for the server to close it, up to 10 s: the timeout is 1 s.
            assertThat(idle.closedByServer()).as("a connection open before CONFIG SET timeout 1, then silent")
                    .isTrue();
        }
    }

    @Test
    void protoMaxBulkLenLimitsTheBulksOfNewConnectionsAsInRedis() {
        int limit = 1024 * 1024;
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            assertThat(kl.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")).isEqualTo("+OK\r\n");
            assertThat(reference.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")).isEqualTo("+OK\r\n");
        }
        byte[] whole = RespConnection.request("SET".getBytes(StandardCharsets.US_ASCII),
                "big".getBytes(StandardCharsets.US_ASCII), new byte[limit]);
        // Over the limit the header is refused at once: the bytes after it would only meet a closed connection.
        byte[] overLimit = ("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + (limit + 1) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (byte[] request : List.of(whole, overLimit)) {
            try (RespConnection kl = RespConnection.connect(this.port);
                    RespConnection reference = RespConnection.connect(redis.port())) {
                String expected = reference.send(request).readReply();
                assertThat(kl.send(request).readReply()).as("SET of a %s-byte value with proto-max-bulk-len %d",
                        request == whole ? limit : limit + 1, limit).isEqualTo(expected);
            }
        }
    }

    @Test
    void resetstatStartsTheStatsSectionAgain() {
        try (RespConnection kl = RespConnection.connect(this.port)) {
            for (int i = 0; i < 50; i++) {
                kl.call("PING");
            }
            kl.call("NO-SUCH-COMMAND");
            String before = kl.call("INFO", "stats");
            assertThat(infoField(before, "total_commands_processed")).isGreaterThanOrEqualTo(50);
            assertThat(infoField(before, "total_error_replies")).isPositive();
            assertThat(infoField(before, "total_connections_received")).isPositive();
            assertThat(kl.call("CONFIG", "RESETSTAT")).isEqualTo("+OK\r\n");
            String after = kl.call("INFO", "stats");
            assertThat(infoField(after, "total_commands_processed")).as("commands counted since RESETSTAT")
                    .isBetween(0L, 2L);
            assertThat(infoField(after, "total_error_replies")).as("errors since RESETSTAT").isZero();
            assertThat(infoField(after, "total_connections_received")).as("connections since RESETSTAT").isZero();
        }
    }

    private static long infoField(String info, String name) {
        Matcher field = Pattern.compile("\r\n" + name + ":(\\d+)\r\n").matcher(info);
        assertThat(field.find()).as("INFO holds %s: %s", name, escaped(info)).isTrue();
        return Long.parseLong(field.group(1));
    }
}
