package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blocking pops sent to KeystoneLight and to a real redis-server in the same order, replies
 * compared byte for byte: popped at once, refused, timed out, run inside MULTI, and woken by a
 * push from a second connection while the first is blocked.
 */
class RespBlockingPopsAgainstRedisTest extends ServerBesideRedis {

    @Test
    void immediatePopsErrorsAndTimeoutsAnswerAsRedis() {
        List<List<String>> requests = List.of(List.of("RPUSH", "l", "a", "b", "c", "d"), List.of("BLPOP", "l", "0"),
                List.of("BRPOP", "none", "l", "0"), List.of("BLMOVE", "l", "d", "LEFT", "RIGHT", "0"),
                List.of("BRPOPLPUSH", "d", "l", "0"), List.of("BLMPOP", "0", "2", "none", "l", "RIGHT", "COUNT", "5"),
                List.of("ZADD", "z", "1", "a", "2.5", "b", "3", "c", "4", "d"), List.of("BZPOPMIN", "none", "z", "0"),
                List.of("BZPOPMAX", "z", "0"), List.of("BZMPOP", "0", "1", "z", "MIN", "COUNT", "1"),
                List.of("SET", "s", "x"), List.of("BLPOP", "s", "0"), List.of("BRPOP", "none", "s", "z", "0"),
                List.of("BZPOPMIN", "s", "0"), List.of("BLMOVE", "s", "d", "LEFT", "RIGHT", "0"),
                List.of("BLMPOP", "0", "1", "s", "LEFT"), List.of("BZMPOP", "0", "2", "none", "s", "MAX"),
                List.of("BLPOP", "l", "abc"), List.of("BLPOP", "l", "-1"), List.of("BLPOP", "l", "nan"),
                List.of("BLPOP", "l"), List.of("BRPOPLPUSH", "l", "d"), List.of("BLMOVE", "l", "d", "UP", "LEFT", "0"),
                List.of("BLMOVE", "l", "d", "LEFT", "LEFT", "x"), List.of("BLMPOP", "0", "0", "l", "LEFT"),
                List.of("BLMPOP", "x", "1", "l", "LEFT"), List.of("BLMPOP", "0", "1", "l", "MIDDLE"),
                List.of("BLMPOP", "-1", "1", "l", "LEFT"), List.of("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"),
                List.of("BZMPOP", "0", "3", "z", "MIN"), List.of("BZPOPMIN", "z"),
                List.of("BLPOP", "none", "0.05"), List.of("BRPOP", "none", "other", "0.01"),
                List.of("BLMOVE", "none", "d", "LEFT", "LEFT", "0.01"), List.of("BRPOPLPUSH", "none", "d", "0.01"),
                List.of("BLMPOP", "0.01", "1", "none", "LEFT"), List.of("BZPOPMIN", "none", "0.01"),
                List.of("BZPOPMAX", "none", "0.01"), List.of("BZMPOP", "0.01", "1", "none", "MAX", "COUNT", "3"),
                List.of("MULTI"), List.of("BLPOP", "none", "0"), List.of("BLMOVE", "none", "d", "LEFT", "LEFT", "0"),
                List.of("BZPOPMIN", "none", "0"), List.of("BLMPOP", "0", "1", "none", "LEFT"), List.of("BLPOP", "l", "0"),
                List.of("EXEC"), List.of("LRANGE", "l", "0", "-1"), List.of("LRANGE", "d", "0", "-1"),
                List.of("ZRANGE", "z", "0", "-1", "WITHSCORES"));
        List<String> differences = new ArrayList<>();
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            for (List<String> request : requests) {
                String[] args = request.toArray(String[]::new);
                String expected = reference.call(args);
                String actual = kl.call(args);
                if (!expected.equals(actual)) {
                    differences.add(request + "\n    redis:         " + shown(expected) + "\n    keystonelight: "
                            + shown(actual));
                }
            }
        }
        assertThat(differences).as("requests whose replies differ from Redis's").isEmpty();
    }

    @Test
    void blockedClientsAreWokenByAnotherConnectionsPushFirstComeFirstServed() {
        List<String> keystone = woken(this.port, this::keystoneBlocked);
        // One connection for all the polls: a new one per poll, in a spin, left thousands of
        // sockets in TIME_WAIT and took the CPU the servers needed.
        try (RespConnection info = RespConnection.connect(redis.port())) {
            assertThat(keystone).isEqualTo(woken(redis.port(), () -> blockedIn(info.call("INFO", "clients"))));
        }
    }

    /**
     * Every reply of a script in which clients block and another connection pushes, in the order
     * the script reads them; each push is sent only once the server counts the clients blocked.
     */
    private List<String> woken(int port, IntSupplier blockedClients) {
        List<String> replies = new ArrayList<>();
        try (RespConnection first = open(port);
                RespConnection second = open(port);
                RespConnection pusher = open(port)) {
            first.send(RespConnection.request("BLPOP", "q1", "q2", "0"));
            awaitBlocked(blockedClients, 1);
            // A timeout that does not run out while the script goes on, however slow the machine.
            second.send(RespConnection.request("BRPOP", "q2", "60"));
            awaitBlocked(blockedClients, 2);
            // One element: the first client to block on q2 takes it, the second keeps waiting.
            replies.add(pusher.call("RPUSH", "q2", "x"));
            replies.add(first.readReply());
            awaitBlocked(blockedClients, 1);
            replies.add(pusher.call("LPUSH", "q2", "y", "z"));
            replies.add(second.readReply());
            replies.add(pusher.call("LRANGE", "q2", "0", "-1"));

            first.send(RespConnection.request("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"));
            awaitBlocked(blockedClients, 1);
            second.send(RespConnection.request("BLMPOP", "0", "2", "m1", "m2", "LEFT", "COUNT", "2"));
            awaitBlocked(blockedClients, 2);
            replies.add(pusher.call("RPUSH", "src", "s1", "s2"));
            replies.add(first.readReply());
            replies.add(pusher.call("RPUSH", "m2", "a", "b", "c"));
            replies.add(second.readReply());
            replies.add(pusher.call("LRANGE", "dst", "0", "-1"));
            replies.add(pusher.call("LRANGE", "m2", "0", "-1"));

            first.send(RespConnection.request("BZPOPMAX", "z1", "0"));
            awaitBlocked(blockedClients, 1);
            second.send(RespConnection.request("BZMPOP", "0", "1", "z1", "MIN", "COUNT", "5"));
            awaitBlocked(blockedClients, 2);
            replies.add(pusher.call("ZADD", "z1", "1", "one", "2", "two", "3", "three"));
            replies.add(first.readReply());
            replies.add(second.readReply());

            // A push of another type wakes nobody; the timeout then answers the null reply.
            sendAndSeeBlocked(first, blockedClients, "BLPOP", "t", "0.2");
            replies.add(pusher.call("SADD", "t2", "x"));
            replies.add(first.readReply());
            replies.add(pusher.call("PING"));

            // A client that disconnects while blocked leaves the queue: the next push stays in the list.
            try (RespConnection leaving = open(port)) {
                leaving.send(RespConnection.request("BLPOP", "gone", "0"));
                awaitBlocked(blockedClients, 1);
            }
            awaitBlocked(blockedClients, 0);
            replies.add(pusher.call("RPUSH", "gone", "kept"));
            replies.add(pusher.call("LRANGE", "gone", "0", "-1"));
        }
        return replies;
    }

    private int keystoneBlocked() {
        return this.store.blocked().blockedClients();
    }

    private static int blockedIn(String info) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith("blocked_clients:")) {
                return Integer.parseInt(line.substring("blocked_clients:".length()));
            }
        }
        throw new AssertionError("INFO clients has no blocked_clients line: " + info);
    }

    /** Polls the server's own count, since a blocked client sends nothing that would say so. */
    static void awaitBlocked(IntSupplier blockedClients, int expected) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int seen;
        while ((seen = blockedClients.getAsInt()) != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + expected + " blocked clients within 10 s, the server counts "
                        + seen);
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Sends a request that blocks for a short time and waits until the server counts its client
     * blocked. A machine that stalls the checks past that time sees the block end instead: the
     * request's null reply is read and it is sent again.
     */
    private static void sendAndSeeBlocked(RespConnection client, IntSupplier blockedClients, String... request) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            client.send(RespConnection.request(request));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!client.replyArrived()) {
                if (blockedClients.getAsInt() == 1) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("expected " + List.of(request) + " to block its client within 10 s, "
                            + "the server counts " + blockedClients.getAsInt() + " blocked clients");
                }
                Thread.onSpinWait();
            }
            assertThat(client.readReply()).as("the reply to %s, which ended before it was seen blocked",
                    List.of(request)).isIn("*-1\r\n", "_\r\n");
        }
        throw new AssertionError("in 5 tries " + List.of(request) + " was never seen blocking before its timeout ran"
                + " out: the machine stalled the checks every time");
    }

    private static String shown(String reply) {
        return reply.replace("\r", "\\r").replace("\n", "\\n");
    }
}
