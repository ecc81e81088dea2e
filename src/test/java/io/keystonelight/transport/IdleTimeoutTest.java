package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code idle-timeout} set, a connection that sends nothing is closed; one that keeps
 * talking is not, and neither is one whose silence is the server's doing: a client blocked in a
 * pop, a subscriber (Redis spares both), a client waiting for its reply.
 */
class IdleTimeoutTest extends ServerInThisJvm {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("keystonelight.server.idle-timeout", () -> "500ms");
    }

    private static final long TIMEOUT_NANOS = 500_000_000L;

    @Test
    void anIdleConnectionIsClosedAndABusyOneIsNot() throws InterruptedException {
        // A stalled machine can hold the busy client (or the server) past the timeout between two
        // requests: that round shows nothing about the server, so it is tried again.
        for (int attempt = 1; attempt <= 5; attempt++) {
            if (busyConnectionKeptAndIdleOneClosed()) {
                return;
            }
        }
        throw new AssertionError("in 5 tries the busy client never talked at least every 500 ms for 1.5 s: "
                + "the machine stalled it every time");
    }

    /**
     * {@code false} where the busy client went as long as the timeout without being answered,
     * so that the server would have been right to close it.
     */
    private boolean busyConnectionKeptAndIdleOneClosed() throws InterruptedException {
        // The busy client is quiet from its connection on, while the idle one connects and pings.
        long previousSent = System.nanoTime();
        try (LineClient idle = LineClient.connect(this.connectionFactory.getPort());
                LineClient busy = LineClient.connect(this.connectionFactory.getPort())) {
            assertThat(idle.call("ping")).isEqualTo("PONG");
            long started = System.nanoTime();
            // The busy client talks more often than the timeout, for three times as long.
            while (System.nanoTime() - started < 3 * TIMEOUT_NANOS) {
                String reply = pingOrNull(busy);
                // The server read nothing from the busy client between reading the previous ping
                // (or accepting it) and this one: the span from sending the one to being answered for
                // the other holds that.
                long quiet = System.nanoTime() - previousSent;
                if (reply == null && quiet >= TIMEOUT_NANOS) {
                    return false;
                }
                assertThat(reply).as("a ping of a client that sent one %d ms before", quiet / 1_000_000)
                        .isEqualTo("PONG");
                previousSent = System.nanoTime();
                Thread.sleep(100);
            }
            idle.setReadTimeout(10_000);
            assertThat(idle.readLine()).as("the idle connection was closed").isNull();
            long sent = System.nanoTime();
            String last = pingOrNull(busy);
            if (last == null && System.nanoTime() - previousSent >= TIMEOUT_NANOS) {
                // Waiting for the idle one to close took the busy one past the timeout as well.
                return false;
            }
            assertThat(last).as("a ping of the busy client, %d ms after its last", (sent - previousSent) / 1_000_000)
                    .isEqualTo("PONG");
            return true;
        }
    }

    /** The reply to ping, or {@code null} where the connection was closed. */
    private static String pingOrNull(LineClient client) {
        try {
            return client.call("ping");
        }
        catch (java.io.UncheckedIOException closed) {
            return null;
        }
    }

    @Test
    void aClientBlockedInAPopAndASubscriberAreNotClosedWhileTheyWait() {
        try (RespConnection blocked = RespConnection.connect(this.port);
                RespConnection subscriber = RespConnection.connect(this.port)) {
            blocked.send(RespConnection.request("BRPOP", "idle:queue", "0"));
            assertThat(subscriber.call("SUBSCRIBE", "idle:news"))
                    .isEqualTo("*3\r\n$9\r\nsubscribe\r\n$9\r\nidle:news\r\n:1\r\n");
            RespConnection.awaitBlockedClients(this.port, 1);
            // A connection opened after both last sent something is closed after the timeout: by
            // then each of them was as long without sending.
            try (LineClient later = LineClient.connect(this.port)) {
                later.setReadTimeout(10_000);
                assertThat(later.readLine()).as("a connection idle since after the pop and the subscription").isNull();
            }
            try (RespConnection producer = RespConnection.connect(this.port)) {
                assertThat(producer.call("LPUSH", "idle:queue", "job")).isEqualTo(":1\r\n");
                assertThat(producer.call("PUBLISH", "idle:news", "hello")).isEqualTo(":1\r\n");
            }
            assertThat(blocked.readReply()).as("the blocked client, still connected, gets the element")
                    .isEqualTo("*2\r\n$10\r\nidle:queue\r\n$3\r\njob\r\n");
            assertThat(subscriber.readReply()).as("the subscriber, still connected, gets the message")
                    .isEqualTo("*3\r\n$7\r\nmessage\r\n$9\r\nidle:news\r\n$5\r\nhello\r\n");
        }
    }
}
