package io.keystonelight.protocol.resp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CLIENT LIST, INFO, KILL, NO-EVICT and REPLY beside a real redis-server: errors and replies that
 * name no connection are the same bytes, CLIENT LIST has Redis 7.0's fields in Redis's order, and
 * what it lists and what KILL closes are the connections that are really open.
 */
class RespClientIntrospectionTest extends ServerBesideRedis {

    private static final Pattern ID = Pattern.compile(":(\\d+)\r\n");

    @Test
    void clientErrorsAndRepliesThatNameNoConnectionAreRedissBytes() {
        assertSameRepliesAsRedis(List.of(List.of("CLIENT", "LIST", "TYPE", "foo"), List.of("CLIENT", "LIST", "ID", "x"),
                List.of("CLIENT", "LIST", "ID", "0"), List.of("CLIENT", "LIST", "ID", "99999"),
                List.of("CLIENT", "LIST", "TYPE", "master"), List.of("CLIENT", "LIST", "BOGUS"),
                List.of("CLIENT", "LIST", "TYPE"), List.of("CLIENT", "INFO", "x"), List.of("CLIENT", "KILL"),
                List.of("CLIENT", "KILL", "1.2.3.4:5"), List.of("CLIENT", "KILL", "ID", "99999"),
                List.of("CLIENT", "KILL", "ID", "x"), List.of("CLIENT", "KILL", "ID", "-3"),
                List.of("CLIENT", "KILL", "ADDR", "1.2.3.4:5"), List.of("CLIENT", "KILL", "BOGUS", "x"),
                List.of("CLIENT", "KILL", "ID"), List.of("CLIENT", "KILL", "LADDR", "1.2.3.4:5"),
                List.of("CLIENT", "KILL", "SKIPME", "yes", "ID", "99999"),
                List.of("CLIENT", "KILL", "SKIPME", "x", "ID", "1"),
                List.of("CLIENT", "KILL", "ID", "1", "SKIPME"), List.of("CLIENT", "KILL", "USER", "x"),
                List.of("CLIENT", "KILL", "TYPE", "foo"), List.of("CLIENT", "KILL", "USER", "default", "ID", "99999"),
                List.of("CLIENT", "NO-EVICT", "ON"), List.of("CLIENT", "NO-EVICT", "x"), List.of("CLIENT", "NO-EVICT"),
                List.of("CLIENT", "NO-EVICT", "off"), List.of("CLIENT", "REPLY", "x"), List.of("CLIENT", "REPLY"),
                List.of("CLIENT", "REPLY", "ON"), List.of("CLIENT", "FOO"), List.of("CLIENT", "PAUSE"),
                List.of("CLIENT", "PAUSE", "x"), List.of("CLIENT", "PAUSE", "-1"), List.of("CLIENT", "PAUSE", "10", "x"),
                List.of("CLIENT", "PAUSE", "10", "WRITE", "x"), List.of("CLIENT", "UNPAUSE", "x"),
                List.of("CLIENT", "PAUSE", "0", "write"), List.of("CLIENT", "UNPAUSE")));
    }

    @Test
    void clientListAndInfoHaveRedissFieldsInRedissOrder() {
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            for (String sub : List.of("LIST", "INFO")) {
                List<String> expected = fieldNames(line(reference.call("CLIENT", sub)));
                List<String> actual = fieldNames(line(kl.call("CLIENT", sub)));
                assertThat(actual).as("the fields of CLIENT %s, beside redis-server's", sub).isEqualTo(expected);
            }
        }
    }

    @Test
    void clientListShowsEachOpenConnectionWithWhatItDid() {
        try (RespConnection a = RespConnection.connect(this.port); RespConnection b = RespConnection.connect(this.port);
                RespConnection c = RespConnection.connect(this.port)) {
            long idA = id(a);
            long idB = id(b);
            long idC = id(c);
            assertThat(a.call("CLIENT", "SETNAME", "first")).isEqualTo("+OK\r\n");
            assertThat(b.call("SUBSCRIBE", "news", "sport")).startsWith("*3\r\n");
            b.readReply();
            assertThat(c.call("MULTI")).isEqualTo("+OK\r\n");
            assertThat(c.call("SET", "k", "v")).isEqualTo("+QUEUED\r\n");
            assertThat(c.call("GET", "k")).isEqualTo("+QUEUED\r\n");

            String list = line(a.call("CLIENT", "LIST", "ID", String.valueOf(idA), String.valueOf(idB),
                    String.valueOf(idC)));
            String[] lines = list.split("\n");
            assertThat(lines).as("CLIENT LIST ID of three open connections:\n%s", list).hasSize(3);
            assertThat(lines[0]).startsWith("id=" + idA + " addr=127.0.0.1:").contains(" laddr=127.0.0.1:" + this.port)
                    .contains(" name=first ", " flags=N ", " multi=-1 ", " cmd=client|list ");
            assertThat(lines[1]).startsWith("id=" + idB + " ").contains(" flags=P ", " sub=2 ", " psub=0 ",
                    " cmd=subscribe ");
            assertThat(lines[2]).startsWith("id=" + idC + " ").contains(" flags=x ", " multi=2 ");

            String pubsub = line(a.call("CLIENT", "LIST", "TYPE", "pubsub"));
            assertThat(pubsub).as("CLIENT LIST TYPE pubsub").startsWith("id=" + idB + " ").hasLineCount(1);
            assertThat(line(a.call("CLIENT", "LIST", "TYPE", "normal"))).as("CLIENT LIST TYPE normal")
                    .contains("id=" + idA + " ", "id=" + idC + " ").doesNotContain("id=" + idB + " ");
            // The replies still queued (oll) depend on whether the command completed at once, so they are left out.
            assertThat(line(a.call("CLIENT", "INFO")).replaceAll(" oll=\\d+ ", " "))
                    .isEqualTo(line(a.call("CLIENT", "LIST", "ID", String.valueOf(idA)))
                            .replaceAll(" oll=\\d+ ", " ").replace("cmd=client|list", "cmd=client|info"));
        }
    }

    @Test
    void clientKillClosesTheConnectionsItChoseAndTheCallerOnlyAfterItsReply() {
        try (RespConnection a = RespConnection.connect(this.port); RespConnection b = RespConnection.connect(this.port);
                RespConnection c = RespConnection.connect(this.port)) {
            long idB = id(b);
            String addressOfC = field(line(c.call("CLIENT", "INFO")), "addr");
            assertThat(a.call("CLIENT", "KILL", "ID", String.valueOf(idB))).isEqualTo(":1\r\n");
            assertThat(b.closedByServer()).as("the connection killed by its id").isTrue();
            assertThat(a.call("CLIENT", "KILL", addressOfC)).isEqualTo("+OK\r\n");
            assertThat(c.closedByServer()).as("the connection killed by its address").isTrue();
            assertThat(a.call("CLIENT", "KILL", addressOfC)).isEqualTo("-ERR No such client\r\n");
            assertThat(a.call("CLIENT", "KILL", "ID", String.valueOf(id(a)))).as("SKIPME yes by default")
                    .isEqualTo(":0\r\n");
            assertThat(a.call("CLIENT", "KILL", "ID", String.valueOf(id(a)), "SKIPME", "no")).isEqualTo(":1\r\n");
            assertThat(a.closedByServer()).as("the caller, once it had its reply").isTrue();
        }
    }

    @Test
    void clientReplyOffAndSkipSilenceRepliesAsRedisDoes() {
        List<List<String>> requests = List.of(List.of("CLIENT", "REPLY", "OFF"), List.of("SET", "k", "1"),
                List.of("INCR", "k"), List.of("GET", "k"), List.of("CLIENT", "REPLY", "ON"), List.of("GET", "k"),
                List.of("CLIENT", "REPLY", "SKIP"), List.of("INCR", "k"), List.of("INCR", "k"),
                List.of("CLIENT", "REPLY", "SKIP"), List.of("CLIENT", "REPLY", "OFF"), List.of("PING"),
                List.of("CLIENT", "REPLY", "ON"), List.of("ECHO", "end"));
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        for (List<String> request : requests) {
            pipeline.writeBytes(RespConnection.request(request.toArray(String[]::new)));
        }
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            kl.send(pipeline.toByteArray());
            reference.send(pipeline.toByteArray());
            List<String> expected = new ArrayList<>();
            List<String> actual = new ArrayList<>();
            // Redis answers four of them: ON, GET (2), the second INCR (3), ON, ECHO.
            for (int i = 0; i < 5; i++) {
                expected.add(escaped(reference.readReply()));
                actual.add(escaped(kl.readReply()));
            }
            assertThat(actual).as("the replies to a pipeline with CLIENT REPLY, beside redis-server's")
                    .isEqualTo(expected);
            assertThat(kl.call("GET", "k")).isEqualTo(reference.call("GET", "k"));
        }
    }

    @Test
    void aWritePauseHoldsWritesForItsTimeOrUntilUnpauseWhileReadsGoOn() {
        try (RespConnection a = RespConnection.connect(this.port); RespConnection writer = RespConnection.connect(
                this.port); RespConnection reader = RespConnection.connect(this.port)) {
            long start = System.nanoTime();
            assertThat(a.call("CLIENT", "PAUSE", "500", "WRITE")).isEqualTo("+OK\r\n");
            assertThat(writer.call("SET", "k", "v")).isEqualTo("+OK\r\n");
            assertThat((System.nanoTime() - start) / 1_000_000)
                    .as("milliseconds before a SET was answered during a 500 ms WRITE pause").isGreaterThanOrEqualTo(500);

            assertThat(a.call("CLIENT", "PAUSE", "60000", "WRITE")).isEqualTo("+OK\r\n");
            writer.send(RespConnection.request("SET", "k", "v2"));
            // A paused read would not be answered before the socket's 20 s timeout, far below the pause's 60 s.
            assertThat(reader.call("GET", "k")).as("a read during a WRITE pause").isEqualTo("$1\r\nv\r\n");
            assertThat(a.call("CLIENT", "UNPAUSE")).isEqualTo("+OK\r\n");
            assertThat(writer.readReply()).as("the write paused for 60 s, once unpaused").isEqualTo("+OK\r\n");
            assertThat(reader.call("GET", "k")).isEqualTo("$2\r\nv2\r\n");
        }
    }

    @Test
    void anAllPauseHoldsEveryCommandForItsTime() {
        try (RespConnection a = RespConnection.connect(this.port); RespConnection b = RespConnection.connect(
                this.port)) {
            long start = System.nanoTime();
            assertThat(a.call("CLIENT", "PAUSE", "300")).isEqualTo("+OK\r\n");
            assertThat(b.call("PING")).isEqualTo("+PONG\r\n");
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(waitedMillis).as("milliseconds before a PING was answered during a 300 ms pause of ALL")
                    .isGreaterThanOrEqualTo(300);
        }
    }

    private static long id(RespConnection connection) {
        Matcher id = ID.matcher(connection.call("CLIENT", "ID"));
        assertThat(id.matches()).as("CLIENT ID's reply").isTrue();
        return Long.parseLong(id.group(1));
    }

    /** The text of a bulk string reply, without its header. */
    private static String line(String bulk) {
        assertThat(bulk).as("a bulk string").startsWith("$");
        return bulk.substring(bulk.indexOf("\r\n") + 2, bulk.length() - 2);
    }

    /** The names of the fields of the first line: CLIENT LIST has a line per connection, closing ones too. */
    private static List<String> fieldNames(String lines) {
        List<String> names = new ArrayList<>();
        for (String field : lines.lines().findFirst().orElse("").split(" ")) {
            names.add(field.substring(0, field.indexOf('=')));
        }
        return names;
    }

    private static String field(String line, String name) {
        for (String field : line.strip().split(" ")) {
            if (field.startsWith(name + "=")) {
                return field.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no field " + name + " in " + line);
    }
}
