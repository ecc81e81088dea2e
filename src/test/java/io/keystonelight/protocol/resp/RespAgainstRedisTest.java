package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The same requests to KeystoneLight (in this JVM) and to a real redis-server, the same replies,
 * byte for byte: Redis is the reference for what RESP clients expect. Skipped, saying so, when
 * redis-server is not installed.
 */
class RespAgainstRedisTest extends ServerBesideRedis {



    /** Each request, in order on one connection of each server; every reply must be the same bytes. */
    private static final List<List<String>> REQUESTS = List.of(
            List.of("PING"), List.of("PING", "hello there"), List.of("PING", "a", "b"),
            List.of("ECHO", "x y"), List.of("ECHO"),
            List.of("GET", "k"), List.of("SET", "k", "v1"), List.of("GET", "k"),
            List.of("SET", "k", "v2", "NX"), List.of("SET", "k", "v3", "XX"), List.of("GET", "k"),
            List.of("SET", "k", "v4", "XX", "GET"), List.of("SET", "k2", "v", "XX", "GET"),
            List.of("SET", "k2", "v", "NX", "GET"), List.of("SET", "k2", "w", "NX", "GET"),
            List.of("SET", "k", "v", "NX", "XX"), List.of("SET", "k", "v", "BOGUS"), List.of("SET", "k"),
            List.of("SET", "k", "v", "KEEPTTL"), List.of("set", "lower", "case"), List.of("GeT", "lower"),
            List.of("SETNX", "n1", "a"), List.of("SETNX", "n1", "b"), List.of("GET", "n1"), List.of("SETNX", "n1"),
            List.of("GETDEL", "n1"), List.of("GETDEL", "n1"), List.of("GETDEL"),
            List.of("MSET", "a", "1", "b", "2", "c", "3"), List.of("MSET", "a", "1", "b"), List.of("MSET"),
            List.of("MGET", "a", "b", "nope", "c"), List.of("MGET"),
            List.of("EXISTS", "a", "b", "nope", "a"), List.of("EXISTS"),
            List.of("DEL", "a", "nope", "a"), List.of("UNLINK", "b", "c"), List.of("DEL"),
            List.of("INCR", "counter"), List.of("INCRBY", "counter", "41"), List.of("DECR", "counter"),
            List.of("DECRBY", "counter", "-10"), List.of("DECRBY", "counter", "50"), List.of("GET", "counter"),
            List.of("INCRBY", "counter", "x"), List.of("INCRBY", "counter", "1.5"), List.of("INCRBY", "counter", " 1"),
            List.of("INCRBY", "counter", "+1"), List.of("INCRBY", "counter", "01"),
            List.of("INCRBY", "counter", "99999999999999999999"), List.of("SET", "big", "9223372036854775807"),
            List.of("INCR", "big"), List.of("SET", "neg", "-9223372036854775808"), List.of("DECR", "neg"),
            List.of("DECRBY", "counter", "-9223372036854775808"), List.of("SET", "text", "abc"),
            List.of("INCR", "text"), List.of("INCR"), List.of("INCRBY", "counter"),
            List.of("APPEND", "text", "def"), List.of("APPEND", "fresh", "xyz"), List.of("GET", "text"),
            List.of("STRLEN", "text"), List.of("STRLEN", "nope"), List.of("STRLEN"),
            List.of("TYPE", "text"), List.of("TYPE", "nope"), List.of("TYPE"),
            List.of("DBSIZE"), List.of("DBSIZE", "x"),
            List.of("SELECT", "0"), List.of("SELECT", "x"), List.of("SELECT"),
            List.of("AUTH", "secret"), List.of("AUTH", "a", "b", "c"), List.of("AUTH"),
            List.of("CLIENT", "SETNAME", "my-client"), List.of("CLIENT", "GETNAME"),
            List.of("CLIENT", "SETNAME", "has space"), List.of("CLIENT", "SETNAME"), List.of("CLIENT", "BOGUS"),
            List.of("CLIENT"),
            List.of("CONFIG", "GET", "save"), List.of("CONFIG", "BOGUS"),
            List.of("CONFIG", "GET"), List.of("COMMAND", "BOGUS"),
            List.of("HELLO", "x"), List.of("HELLO", "2", "BOGUS"),
            List.of("FLUSHDB", "BOGUS"), List.of("FLUSHDB", "ASYNC"), List.of("DBSIZE"),
            List.of("FOO"), List.of("foo", "bar", "baz"), List.of("BAR", "x".repeat(200)),
            List.of("SCAN", "x"), List.of("SCAN", "0", "COUNT", "0"), List.of("SCAN", "0", "COUNT", "x"),
            List.of("SCAN", "0", "BOGUS"), List.of("SCAN"),
            List.of("KEYS"), List.of("QUIT"));

    @Test
    void everyReplyIsRedissByteForByte() {
        List<String> differences = new ArrayList<>();
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            for (List<String> request : REQUESTS) {
                String expected = reference.call(request.toArray(String[]::new));
                String actual = kl.call(request.toArray(String[]::new));
                if (!expected.equals(actual)) {
                    differences.add(request + "\n    redis:         " + shown(expected) + "\n    keystonelight: "
                            + shown(actual));
                }
            }
            assertThat(kl.closedByServer()).as("QUIT closes the connection").isTrue();
        }
        assertThat(differences).as("requests whose replies differ from Redis's").isEmpty();
    }

    /** Integers and lengths are written from cached digits below 1024 and digit by digit above: every width, both signs. */
    @Test
    void integersAndLengthsOfEveryWidthAreRedissByteForByte() {
        List<String> differences = new ArrayList<>();
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            for (long n : new long[] { 0, 9, 10, 99, 1023, 1024, 65536, 123456789012L, Long.MAX_VALUE, -1, -10,
                    -1023, -1024, -987654321, Long.MIN_VALUE }) {
                String value = Long.toString(n);
                String bulk = "x".repeat((int) Math.min(Math.abs(n % 5000), 5000));
                for (String[] request : List.of(new String[] { "SET", "n", value }, new String[] { "INCRBY", "n", "0" },
                        new String[] { "SET", "bulk", bulk }, new String[] { "GET", "bulk" },
                        new String[] { "STRLEN", "bulk" })) {
                    String expected = reference.call(request);
                    String actual = kl.call(request);
                    if (!actual.equals(expected)) {
                        differences.add(String.join(" ", request).substring(0, Math.min(40, String.join(" ", request).length()))
                                + "\n  redis:         " + expected + "\n  keystonelight: " + actual);
                    }
                }
            }
        }
        assertThat(differences).as("replies that differ from Redis's").isEmpty();
    }

    @Test
    void keysAndScanFindTheSameKeysAsRedis() {
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            for (int i = 0; i < 300; i++) {
                String[] set = { "SET", "key:" + i + (i % 3 == 0 ? ":x" : ""), "v" };
                kl.call(set);
                reference.call(set);
            }
            for (String pattern : List.of("*", "key:1*", "key:?", "key:[12]?", "key:[^1]*:x", "*:x", "nomatch*",
                    "key:\\*")) {
                assertThat(sortedKeys(kl.call("KEYS", pattern))).as("KEYS " + pattern)
                        .isEqualTo(sortedKeys(reference.call("KEYS", pattern)));
                assertThat(scanAll(kl, pattern)).as("SCAN MATCH " + pattern)
                        .isEqualTo(scanAll(reference, pattern));
            }
        }
    }

    /**
     * Many stars against a long key that almost matches: a backtracking matcher tries every way
     * to split the key between the stars and does not finish; Redis bounds it, and so must this.
     */
    @Test
    void keysWithAPatternOfManyStarsAnswersAtOnce() {
        String key = "a".repeat(40);
        String pattern = "a*".repeat(20) + "b";
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            assertThat(kl.call("SET", key, "v")).isEqualTo(reference.call("SET", key, "v"));
            String expected = reference.call("KEYS", pattern);
            // Backtracking would try about 10^11 splits: hours, so a bound with room for a stalled
            // machine still tells the two apart.
            String actual = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> kl.call("KEYS", pattern),
                    "KEYS " + pattern + " against a 40-byte key must answer within milliseconds, as Redis does");
            assertThat(actual).isEqualTo(expected).isEqualTo("*0\r\n");
        }
    }

    /**
     * Random patterns of every glob feature (classes, ranges, negation, escapes, unclosed
     * classes) against keys of the same bytes: KEYS must find exactly what Redis finds.
     */
    @Test
    void keysMatchesEveryPatternAsRedisMatchesIt() {
        Random random = new Random(22);
        byte[] keyBytes = "ab-]*\\^?".getBytes(StandardCharsets.ISO_8859_1);
        byte[] patternBytes = "ab-]*[^\\?".getBytes(StandardCharsets.ISO_8859_1);
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            for (int i = 0; i < 60; i++) {
                String key = randomString(random, keyBytes, 1 + random.nextInt(6));
                assertThat(kl.call("SET", key, "v")).isEqualTo(reference.call("SET", key, "v"));
            }
            for (int i = 0; i < 400; i++) {
                String pattern = randomString(random, patternBytes, 1 + random.nextInt(7));
                assertThat(sortedKeys(kl.call("KEYS", pattern))).as("KEYS " + pattern)
                        .isEqualTo(sortedKeys(reference.call("KEYS", pattern)));
            }
        }
    }

    private static String randomString(Random random, byte[] alphabet, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** A value of a few MB (over the text protocol's 1 MiB line limit) is stored and read back as Redis does. */
    @Test
    void aValueOfAFewMegabytesIsSetAndReadBackAsInRedis() {
        byte[] value = new byte[5 * 1024 * 1024 + 11];
        new Random(5).nextBytes(value);
        byte[] set = RespConnection.request("SET".getBytes(StandardCharsets.US_ASCII),
                "five-mb".getBytes(StandardCharsets.US_ASCII), value);
        byte[] get = RespConnection.request("GET", "five-mb");
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            assertThat(kl.send(set).readReply()).isEqualTo(reference.send(set).readReply()).isEqualTo("+OK\r\n");
            String expected = reference.send(get).readReply();
            assertThat(kl.send(get).readReply()).as("GET of the 5 MB value").isEqualTo(expected);
            assertThat(expected).hasSize(value.length + 2 + ("$" + value.length + "\r\n").length());
        }
    }

    /**
     * INFO's cpu section has Redis 7.0's fields in Redis's order and form (seconds, six decimals),
     * and they are this process's: they grow while it works.
     */
    @Test
    void infoCpuHasRedissFieldsAndTheyGrowWithWork() {
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            List<String> expected = fields(reference.call("INFO", "cpu"));
            List<String> before = fields(kl.call("INFO", "cpu"));
            assertThat(names(before)).isEqualTo(names(expected)).contains("used_cpu_user_main_thread");
            assertThat(before).allSatisfy(field -> assertThat(field).matches("[a-z_]+:\\d+\\.\\d{6}"));
            assertThat(kl.call("INFO").split("\r\n")).as("INFO with no section includes cpu, as Redis")
                    .contains("# CPU");

            List<String> mset = new ArrayList<>(List.of("MSET"));
            for (int i = 0; i < 300; i++) {
                mset.add("a".repeat(1000) + i);
                mset.add("v");
            }
            kl.call(mset.toArray(String[]::new));
            for (int i = 0; i < 3; i++) {
                assertThat(kl.call("KEYS", "*" + "a".repeat(400) + "b")).isEqualTo("*0\r\n");
            }
            List<String> after = fields(kl.call("INFO", "cpu"));
            assertThat(seconds(after, "used_cpu_user") + seconds(after, "used_cpu_sys"))
                    .as("process CPU seconds after about 3 * 10^8 matching steps, against " + before)
                    .isGreaterThan(seconds(before, "used_cpu_user") + seconds(before, "used_cpu_sys"));
            assertThat(seconds(after, "used_cpu_user_main_thread") + seconds(after, "used_cpu_sys_main_thread"))
                    .as("the event loops ran every request so far").isGreaterThan(0);
        }
    }

    /** INFO's lines with a colon; in RESP3 its verbatim string's header and format ({@code txt:}) taken off. */
    private static List<String> fields(String infoReply) {
        return Arrays.stream(infoReply.replaceFirst("^=\\d+\r\ntxt:", "").split("\r\n"))
                .filter(line -> line.contains(":")).toList();
    }

    private static List<String> names(List<String> fields) {
        return fields.stream().map(field -> field.substring(0, field.indexOf(':'))).toList();
    }

    private static double seconds(List<String> fields, String name) {
        return fields.stream().filter(field -> field.startsWith(name + ":"))
                .mapToDouble(field -> Double.parseDouble(field.substring(field.indexOf(':') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + fields));
    }

    /** QUIT and a SET in one write: Redis answers QUIT alone, closes, and never runs the SET. */
    @Test
    void nothingPipelinedAfterQuitRunsAsInRedis() {
        byte[] bytes = concat(RespConnection.request("QUIT"), RespConnection.request("SET", "after-quit", "v"),
                RespConnection.request("PING"));
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            String expected = reference.send(bytes).readReply();
            assertThat(kl.send(bytes).readReply()).isEqualTo(expected).isEqualTo("+OK\r\n");
            assertThat(reference.closedByServer()).isTrue();
            assertThat(kl.closedByServer()).as("QUIT's reply is the last; then the connection closes").isTrue();
        }
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            assertThat(reference.call("EXISTS", "after-quit")).isEqualTo(":0\r\n");
            assertThat(kl.call("EXISTS", "after-quit")).as("the SET pipelined after QUIT must not have run")
                    .isEqualTo(":0\r\n");
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /** Redis's tests/unit/protocol.tcl: each malformed request gets Redis's error, and the connection closes. */
    @Test
    void malformedRequestsGetRedissProtocolErrorAndCloseTheConnection() {
        List<String> malformed = List.of(
                "*3000000000\r\n",
                "*20000000000000000000\r\n",
                "*abc\r\n",
                "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
                "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
                "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
                "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
                "*1\r\nfoo\r\n",
                "*1\r\n$\r\n",
                "*1\r\n$01\r\nx\r\n",
                "*\u0000" + "A".repeat(70 * 1024),
                "*1\r\n$" + "9".repeat(70 * 1024));
        for (String request : malformed) {
            String shown = shown(request.length() > 60 ? request.substring(0, 60) + "..." : request);
            byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
            try (RespConnection kl = open(this.port);
                    RespConnection reference = open(redis.port())) {
                String expected = reference.send(bytes).readReply();
                String actual = kl.send(bytes).readReply();
                assertThat(expected).as("Redis's reply to " + shown).startsWith("-ERR Protocol error");
                assertThat(actual).as("reply to " + shown).isEqualTo(expected);
                assertThat(kl.closedByServer()).as("the connection closes after " + shown).isTrue();
            }
        }
    }

    /** Empty and negative-length arrays are skipped by Redis, and the connection goes on. */
    @Test
    void emptyRequestsAreIgnoredAsRedisIgnoresThem() {
        for (String request : List.of("*0\r\n", "*-10\r\n", "*-1\r\n", "*1\r\n$4\r\nPING\r\n\r\n")) {
            try (RespConnection kl = open(this.port);
                    RespConnection reference = open(redis.port())) {
                byte[] bytes = (request + "*1\r\n$4\r\nPING\r\n").getBytes(StandardCharsets.ISO_8859_1);
                String expected = reference.send(bytes).readReply();
                assertThat(kl.send(bytes).readReply()).as(shown(request)).isEqualTo(expected).isEqualTo("+PONG\r\n");
            }
        }
    }

    /**
     * Empty lines before a connection's first request are skipped, as Redis skips them: the
     * connection still speaks RESP, and a bulk over the limit gets Redis's protocol error, not
     * the text protocol's wording.
     */
    @Test
    void emptyLinesBeforeTheFirstRequestLeaveTheConnectionRespAsInRedis() {
        for (String request : List.of("\r\n*1\r\n$4\r\nPING\r\n", "\n\r\n\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n",
                "\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000000\r\n")) {
            byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
            try (RespConnection kl = open(this.port);
                    RespConnection reference = open(redis.port())) {
                String expected = reference.send(bytes).readReply();
                assertThat(kl.send(bytes).readReply()).as(shown(request)).isEqualTo(expected);
            }
        }
    }

    /** Inline requests after a RESP request on the same connection, quotes and escapes included. */
    @Test
    void inlineRequestsOnARespConnectionAreSplitAsRedisSplitsThem() {
        List<String> lines = List.of("SET inline \"a b\\x41\\n\"", "GET inline", "  get   inline  ", "ECHO 'it''s'",
                "ECHO 'it\\'s'", "set \"\"\"test-key\"\"\" test-value", "PING");
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            kl.call("PING");
            reference.call("PING");
            for (String line : lines) {
                byte[] bytes = (line + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                String expected = reference.send(bytes).readReply();
                assertThat(kl.send(bytes).readReply()).as(line).isEqualTo(expected);
                if (expected.startsWith("-ERR Protocol error")) {
                    assertThat(kl.closedByServer()).isTrue();
                    break;
                }
            }
        }
    }

    /**
     * Random inline lines of quotes, escapes and spaces, each after a RESP request on a fresh
     * connection of each server and followed by a PING: the same replies, byte for byte, and the
     * same closing after {@code -ERR Protocol error: unbalanced quotes in request}.
     */
    @Test
    void randomInlineRequestsAreSplitOrRefusedAsRedisDoes() {
        Random random = new Random(3);
        byte[] alphabet = "a\"'\\x4f \tn".getBytes(StandardCharsets.ISO_8859_1);
        int refused = 0;
        for (int i = 0; i < 150; i++) {
            String line = "ECHO " + randomString(random, alphabet, 1 + random.nextInt(8));
            byte[] bytes = ("*1\r\n$4\r\nPING\r\n" + line + "\r\n*1\r\n$4\r\nPING\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            try (RespConnection kl = open(this.port);
                    RespConnection reference = open(redis.port())) {
                assertThat(kl.send(bytes).readReply()).isEqualTo(reference.send(bytes).readReply());
                String expected = reference.readReply();
                assertThat(kl.readReply()).as(shown(line)).isEqualTo(expected);
                if (expected.startsWith("-ERR Protocol error")) {
                    refused++;
                    assertThat(kl.closedByServer()).as("closed after " + shown(line)).isTrue();
                }
                else {
                    assertThat(kl.readReply()).as("the PING after " + shown(line)).isEqualTo("+PONG\r\n");
                }
            }
        }
        assertThat(refused).as("lines refused for their quotes").isBetween(10, 140);
    }

    private static List<String> sortedKeys(String reply) {
        List<String> keys = new ArrayList<>(Arrays.asList(reply.split("\r\n")));
        keys.remove(0);
        keys.removeIf(line -> line.startsWith("$"));
        keys.sort(null);
        return keys;
    }

    private static List<String> scanAll(RespConnection connection, String pattern) {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        int calls = 0;
        do {
            String[] lines = connection.call("SCAN", cursor, "MATCH", pattern, "COUNT", "7").split("\r\n");
            cursor = lines[2];
            for (int i = 4; i < lines.length; i += 2) {
                keys.add(lines[i]);
            }
            assertThat(++calls).as("SCAN ends").isLessThan(1000);
        }
        while (!cursor.equals("0"));
        return keys.stream().distinct().sorted().toList();
    }

    private static String shown(String reply) {
        return reply.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
    }
}
