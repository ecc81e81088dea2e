package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TIME, LASTSAVE and MEMORY beside a real redis-server: what does not depend on the moment or on
 * the allocator (errors, help, a missing key) must be the same bytes; the rest the same shape, and
 * figures that follow from what was stored.
 */
class RespIntrospectionAgainstRedisTest extends ServerBesideRedis {

    private static final Pattern TIME = Pattern.compile("\\*2\r\n\\$\\d+\r\n(\\d+)\r\n\\$\\d+\r\n(\\d+)\r\n");

    private static final Pattern INTEGER = Pattern.compile(":(\\d+)\r\n");

    @Test
    void memoryErrorsHelpAndMissingKeysAnswerAsRedis() {
        assertSameRepliesAsRedis(List.of(List.of("SET", "k", "v"), List.of("RPUSH", "l", "a", "b"), List.of("MEMORY"),
                List.of("MEMORY", "USAGE"), List.of("MEMORY", "USAGE", "missing"),
                List.of("MEMORY", "USAGE", "k", "SAMPLES"), List.of("MEMORY", "USAGE", "k", "SAMPLES", "x"),
                List.of("MEMORY", "USAGE", "k", "SAMPLES", "-1"), List.of("MEMORY", "USAGE", "k", "FOO", "1"),
                List.of("MEMORY", "USAGE", "missing", "SAMPLES", "0"), List.of("MEMORY", "USAGE", "l", "a", "b", "c"),
                List.of("MEMORY", "FOO"), List.of("memory", "bogus", "x"), List.of("MEMORY", "HELP"),
                List.of("MEMORY", "HELP", "x"), List.of("MEMORY", "PURGE"), List.of("MEMORY", "PURGE", "x"),
                List.of("MEMORY", "DOCTOR", "x"), List.of("TIME", "x"), List.of("LASTSAVE", "x")));
    }

    @Test
    void timeIsTwoBulkStringsOfTheClockAsRedisSendsThem() {
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            long before = System.currentTimeMillis() / 1000;
            String expected = reference.call("TIME");
            String actual = kl.call("TIME");
            long after = System.currentTimeMillis() / 1000;
            assertThat(expected).as("redis-server's TIME").matches(TIME);
            Matcher time = TIME.matcher(actual);
            assertThat(time.matches()).as("TIME's reply %s has Redis's shape %s", escaped(actual), escaped(expected))
                    .isTrue();
            assertThat(Long.parseLong(time.group(1))).as("TIME's seconds").isBetween(before, after);
            assertThat(Long.parseLong(time.group(2))).as("TIME's microseconds").isBetween(0L, 999_999L);
        }
    }

    @Test
    void lastSaveIsTheStartUntilACompactionThenTheCompaction() throws Exception {
        try (RespConnection kl = open(this.port)) {
            long started = integer(kl.call("LASTSAVE"));
            assertThat(started).as("LASTSAVE before any compaction: the server's start")
                    .isLessThanOrEqualTo(System.currentTimeMillis() / 1000);
            assertThat(kl.call("SET", "k", "v")).isEqualTo("+OK\r\n");
            long before = System.currentTimeMillis() / 1000;
            this.store.compact();
            long after = System.currentTimeMillis() / 1000;
            assertThat(integer(kl.call("LASTSAVE"))).as("LASTSAVE after a compaction that ran in [%d, %d]", before,
                    after).isBetween(before, after);
        }
    }

    @Test
    void memoryUsageCountsTheBytesOfTheKeyAndOfTheValue() {
        try (RespConnection kl = open(this.port)) {
            kl.call("SET", "k", "x".repeat(8));
            long small = usage(kl, "k");
            kl.call("SET", "k", "x".repeat(10_000));
            long large = usage(kl, "k");
            // The same key, a value 9,992 bytes longer: the array grows by that, give or take its padding to 8.
            assertThat(large - small).as("MEMORY USAGE of a 10,000-byte value minus that of an 8-byte one")
                    .isBetween(9_992L, 10_000L);
            kl.call("SET", "a-much-longer-key-".repeat(10), "x".repeat(8));
            assertThat(usage(kl, "a-much-longer-key-".repeat(10)) - small).as("a key 179 bytes longer")
                    .isBetween(176L, 184L);

            List<String> push = new ArrayList<>(List.of("RPUSH", "list"));
            for (int i = 0; i < 1000; i++) {
                push.add(i < 5 ? "s" : "y".repeat(1000));
            }
            kl.call(push.toArray(String[]::new));
            // The first five elements are short: the default sample of 5 sees only those, SAMPLES 0 sees all.
            long sampled = usage(kl, "list");
            long whole = integer(kl.call("MEMORY", "USAGE", "list", "SAMPLES", "0"));
            assertThat(sampled).as("MEMORY USAGE of the list from its first 5 elements").isLessThan(100_000L);
            assertThat(whole).as("MEMORY USAGE of the list from every element, 995 of 1,000 bytes")
                    .isGreaterThan(995_000L);
        }
    }

    @Test
    void memoryUsageOfEveryTypeIsAnIntegerAsRedisAnswers() {
        List<List<String>> writes = List.of(List.of("SET", "s", "v"), List.of("HSET", "h", "f", "v"),
                List.of("RPUSH", "l", "a"), List.of("SADD", "set", "m"), List.of("ZADD", "z", "1", "m"));
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            for (List<String> write : writes) {
                String[] request = write.toArray(String[]::new);
                assertThat(kl.call(request)).isEqualTo(reference.call(request));
                String key = write.get(1);
                assertThat(reference.call("MEMORY", "USAGE", key)).as("redis-server's MEMORY USAGE %s", key)
                        .matches(INTEGER);
                assertThat(kl.call("MEMORY", "USAGE", key, "SAMPLES", "0")).as("MEMORY USAGE %s", key)
                        .matches(INTEGER);
            }
        }
    }

    @Test
    void infoAnswersTheSectionsAskedForInRedissOrder() {
        List<String> here = List.of("Server", "Clients", "Memory", "Persistence", "Stats", "CPU", "Keyspace");
        List<List<String>> requests = List.of(List.of("INFO", "keyspace", "server"),
                List.of("INFO", "SERVER", "bogus", "clients"), List.of("INFO", "stats", "cpu", "stats"),
                List.of("INFO", "default"), List.of("INFO", "all"), List.of("INFO", "everything"), List.of("INFO"),
                List.of("INFO", "default", "keyspace"));
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            for (List<String> request : requests) {
                // Of Redis's sections, those this server has a figure for.
                List<String> expected = headers(reference.call(request.toArray(String[]::new))).stream()
                        .filter(here::contains).toList();
                assertThat(headers(kl.call(request.toArray(String[]::new)))).as("the sections of %s", request)
                        .isEqualTo(expected);
            }
            assertThat(kl.call("INFO", "bogus")).as("INFO of no section it has")
                    .isEqualTo(reference.call("INFO", "bogus"));
        }
    }

    private static List<String> headers(String info) {
        List<String> headers = new ArrayList<>();
        Matcher header = Pattern.compile("# (\\w+)\r\n").matcher(info);
        while (header.find()) {
            headers.add(header.group(1));
        }
        return headers;
    }

    private static long usage(RespConnection connection, String key) {
        return integer(connection.call("MEMORY", "USAGE", key));
    }

    private static long integer(String reply) {
        Matcher integer = INTEGER.matcher(reply);
        assertThat(integer.matches()).as("an integer reply, not %s", escaped(reply)).isTrue();
        return Long.parseLong(integer.group(1));
    }
}
