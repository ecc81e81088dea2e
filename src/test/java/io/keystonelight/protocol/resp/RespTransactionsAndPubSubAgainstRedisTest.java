package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MULTI/EXEC/WATCH and pub/sub, played on several connections to KeystoneLight and to a real
 * redis-server in the same order: every reply and every pushed message must be the same bytes.
 */
class RespTransactionsAndPubSubAgainstRedisTest extends ServerBesideRedis {

    /** One thing a connection does: send a request and read its replies, or only read what was pushed. */
    private record Step(int connection, List<List<String>> requests, int replies, boolean untilGone) {
    }

    private static Step on(int connection, String... request) {
        return new Step(connection, List.of(List.of(request)), 1, false);
    }

    private static Step many(int connection, int replies, String... request) {
        return new Step(connection, List.of(List.of(request)), replies, false);
    }

    /** Several requests in one write, before any reply is read. */
    private static Step pipelined(int connection, List<List<String>> requests) {
        return new Step(connection, requests, requests.size(), false);
    }

    private static Step pushed(int connection) {
        return new Step(connection, List.of(), 1, false);
    }

    /** Waits, by asking, until the key's deadline passed; not compared. */
    private static Step expiredOn(int connection, String key) {
        return new Step(connection, List.of(List.of("PTTL", key)), 0, true);
    }

    @Test
    void transactionsAnswerAsRedis() {
        compare(2, List.of(on(0, "MULTI"), on(0, "SET", "a", "1"), on(0, "INCR", "a"), on(0, "INCR", "nothing-yet"),
                on(0, "GET", "a"), on(0, "PING"), on(0, "ECHO", "e"), on(0, "HSET", "a", "f", "v"),
                on(0, "SET", "b", "v", "EX", "x"), on(0, "MGET", "a", "b", "nothing-yet"), on(0, "DEL", "nothing-yet"),
                on(0, "EXISTS", "a", "b"), on(0, "DBSIZE"), on(0, "SETNX", "a", "9"), on(0, "APPEND", "a", "0"),
                on(0, "STRLEN", "a"), on(0, "EXEC"), on(0, "EXEC"), on(0, "DISCARD"), on(0, "MULTI"), on(0, "MULTI"),
                on(0, "WATCH", "a"), on(0, "GET", "a"), on(0, "DISCARD"), on(0, "GET", "a"), on(0, "MULTI"),
                on(0, "SET", "a", "2"), on(0, "NOSUCHCOMMAND", "x"), on(0, "GET"), on(0, "SET", "c", "v"),
                on(0, "EXEC"), on(0, "GET", "a"), on(0, "EXISTS", "c"), on(0, "MULTI"), on(0, "EXEC"),
                on(0, "MULTI", "extra"), on(0, "EXEC", "extra"), on(0, "WATCH"), on(0, "UNWATCH"),
                on(0, "UNWATCH", "extra"),
                // WATCH: another connection's write aborts EXEC, and so does the watcher's own.
                on(0, "WATCH", "w", "a"), on(1, "SET", "w", "other"), on(0, "MULTI"), on(0, "SET", "w", "mine"),
                on(0, "EXEC"), on(0, "GET", "w"), on(0, "WATCH", "w"), on(0, "SET", "w", "own"), on(0, "MULTI"),
                on(0, "GET", "w"), on(0, "EXEC"),
                // Untouched watched keys let EXEC run; EXEC unwatches, so a later write aborts nothing.
                on(0, "WATCH", "w"), on(1, "GET", "w"), on(0, "MULTI"), on(0, "SET", "w", "ok"), on(0, "EXEC"),
                on(1, "SET", "w", "later"), on(0, "MULTI"), on(0, "GET", "w"), on(0, "EXEC"),
                // UNWATCH and DISCARD forget the watched keys.
                on(0, "WATCH", "w"), on(0, "UNWATCH"), on(1, "SET", "w", "x"), on(0, "MULTI"), on(0, "GET", "w"),
                on(0, "EXEC"), on(0, "WATCH", "w"), on(0, "MULTI"), on(0, "DISCARD"), on(1, "SET", "w", "y"),
                on(0, "MULTI"), on(0, "GET", "w"), on(0, "EXEC"),
                // FLUSHDB touches a watched key that exists, not one that does not.
                on(0, "WATCH", "w"), on(1, "FLUSHDB"), on(0, "MULTI"), on(0, "PING"), on(0, "EXEC"),
                on(0, "WATCH", "missing"), on(1, "FLUSHDB"), on(0, "MULTI"), on(0, "PING"), on(0, "EXEC"),
                // A watched key that expires aborts EXEC; one that was already gone at WATCH does not.
                on(0, "SET", "e", "1", "PX", "50"), on(0, "WATCH", "e"), expiredOn(1, "e"), on(0, "MULTI"),
                on(0, "GET", "e"), on(0, "EXEC"), on(0, "WATCH", "e"), on(0, "MULTI"), on(0, "GET", "e"),
                on(0, "EXEC"), on(0, "SET", "k", "v"), on(0, "WATCH", "k"), on(1, "EXPIRE", "k", "100"),
                on(0, "MULTI"), on(0, "TTL", "k"), on(0, "EXEC"),
                // Pipelined behind a write still in flight: WATCH sees it, MULTI still queues what follows.
                pipelined(0, List.of(List.of("SET", "p", "1"), List.of("WATCH", "p"), List.of("MULTI"),
                        List.of("INCR", "p"), List.of("GET", "p"), List.of("EXEC"), List.of("GET", "p"))),
                pipelined(0, List.of(List.of("MULTI"), List.of("SET", "q", "1"), List.of("QUIT")))));
    }

    @Test
    void pubSubAnswersAsRedis() {
        compare(3, List.of(many(0, 2, "SUBSCRIBE", "news", "sport"), on(0, "PING"), on(0, "PING", "hi"),
                on(0, "GET", "a"), on(0, "SET", "a", "b"), on(0, "MULTI"), many(1, 1, "PSUBSCRIBE", "n*"),
                on(2, "PUBLISH", "news", "hello"), pushed(0), pushed(1), on(2, "PUBLISH", "nothing", "x"),
                pushed(1), on(2, "PUBLISH", "sport", "goal"), pushed(0), on(2, "PUBLISH", "quiet", "x"),
                on(2, "PUBSUB", "NUMSUB", "news", "sport", "quiet"), on(2, "PUBSUB", "NUMPAT"),
                on(2, "PUBSUB", "CHANNELS", "new*"), on(2, "PUBSUB", "CHANNELS", "x*"), on(2, "PUBSUB", "BOGUS"),
                on(2, "PUBSUB", "NUMPAT", "x"), on(2, "PUBLISH", "a"), on(2, "SUBSCRIBE"),
                many(0, 1, "UNSUBSCRIBE", "sport"), many(0, 1, "UNSUBSCRIBE", "never"), many(0, 1, "UNSUBSCRIBE"),
                many(0, 1, "UNSUBSCRIBE"), on(0, "GET", "a"), many(1, 1, "PUNSUBSCRIBE"), many(1, 1, "PUNSUBSCRIBE"),
                on(2, "PUBLISH", "news", "nobody"), on(2, "PUBSUB", "NUMSUB", "news"), on(2, "PUBSUB", "NUMPAT"),
                on(2, "MULTI"), on(2, "PUBLISH", "news", "in-tx"), on(2, "EXEC"), on(2, "UNSUBSCRIBE"),
                on(2, "PUNSUBSCRIBE", "p")));
    }

    @Test
    void keyspaceNotificationsAnswerAsRedis() {
        try {
            compare(2, List.of(on(0, "CONFIG", "GET", "notify-keyspace-events"),
                    on(0, "CONFIG", "SET", "notify-keyspace-events", "Q"),
                    on(0, "CONFIG", "SET", "notify-keyspace-events", "KEA"),
                    on(0, "CONFIG", "GET", "notify-keyspace-events"),
                    on(0, "CONFIG", "SET", "notify-keyspace-events", "Eg$hxK"),
                    on(0, "CONFIG", "GET", "notify-keyspace-events"), many(1, 1, "PSUBSCRIBE", "__key*@0__:*"),
                    on(0, "SET", "k", "v"), pushed(1), pushed(1), on(0, "SET", "k", "w", "NX"), on(0, "DEL", "k", "none"),
                    pushed(1), pushed(1), on(0, "HSET", "h", "a", "1", "b", "2"), pushed(1), pushed(1),
                    on(0, "EXPIRE", "h", "100"), pushed(1), pushed(1), on(0, "SET", "s", "1", "EX", "100"), pushed(1),
                    pushed(1), pushed(1), pushed(1), on(0, "EXPIRE", "s", "-1"), pushed(1), pushed(1),
                    on(0, "SET", "gone", "1", "PX", "30"), pushed(1), pushed(1), pushed(1), pushed(1),
                    expiredOn(0, "gone"), pushed(1), pushed(1),
                    // Only the classes asked for: no string events now.
                    on(0, "CONFIG", "SET", "notify-keyspace-events", "Eh"), on(0, "SET", "quiet", "1"),
                    on(0, "HSET", "h", "c", "3"), pushed(1)));
        }
        finally {
            try (RespConnection kl = open(this.port);
                    RespConnection reference = open(redis.port())) {
                kl.call("CONFIG", "SET", "notify-keyspace-events", "");
                reference.call("CONFIG", "SET", "notify-keyspace-events", "");
            }
        }
    }

    private void compare(int connections, List<Step> steps) {
        List<String> differences = new ArrayList<>();
        List<RespConnection> kl = new ArrayList<>();
        List<RespConnection> reference = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                kl.add(open(this.port));
                reference.add(open(redis.port()));
            }
            for (Step step : steps) {
                List<String> expected = run(reference.get(step.connection()), step);
                List<String> actual = run(kl.get(step.connection()), step);
                if (!expected.equals(actual)) {
                    differences.add(step + "\n    redis:         " + shown(expected) + "\n    keystonelight: "
                            + shown(actual));
                }
            }
        }
        finally {
            kl.forEach(RespConnection::close);
            reference.forEach(RespConnection::close);
        }
        assertThat(differences).as("steps whose replies differ from Redis's").isEmpty();
    }

    private static List<String> run(RespConnection connection, Step step) {
        if (step.untilGone()) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!connection.call(step.requests().get(0).toArray(String[]::new)).equals(":-2\r\n")) {
                assertThat(System.nanoTime()).as("key expired within 10 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            return List.of();
        }
        java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
        for (List<String> request : step.requests()) {
            batch.writeBytes(RespConnection.request(request.toArray(String[]::new)));
        }
        if (batch.size() > 0) {
            connection.send(batch.toByteArray());
        }
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < step.replies(); i++) {
            replies.add(connection.readReply());
        }
        return replies;
    }

    private static String shown(List<String> replies) {
        return String.join(" | ", replies).replace("\r", "\\r").replace("\n", "\\n");
    }
}
