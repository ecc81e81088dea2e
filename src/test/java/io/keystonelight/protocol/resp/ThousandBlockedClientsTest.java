package io.keystonelight.protocol.resp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 connections blocked in BRPOP on one key hold no thread each, and 1,000 pushes wake each
 * of them exactly once: every element reaches one client, and no client gets a second reply.
 */
class ThousandBlockedClientsTest extends ServerInThisJvm {

    private static final int CLIENTS = 1000;

    @Test
    void thousandBlockedClientsCostNoThreadAndAreEachWokenOnce() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<RespConnection> clients = new ArrayList<>(CLIENTS);
        try (RespConnection pusher = RespConnection.connect(this.port)) {
            // Every event loop has served a connection before counting, so none starts during the count.
            for (int i = 0; i < 16; i++) {
                try (RespConnection warm = RespConnection.connect(this.port)) {
                    assertThat(warm.call("PING")).isEqualTo("+PONG\r\n");
                }
            }
            int before = threads.getThreadCount();
            for (int i = 0; i < CLIENTS; i++) {
                RespConnection client = RespConnection.connect(this.port);
                clients.add(client);
                client.send(RespConnection.request("BRPOP", "queue", "0"));
            }
            RespBlockingPopsAgainstRedisTest.awaitBlocked(() -> this.store.blocked().blockedClients(), CLIENTS);
            int blocked = threads.getThreadCount();
            assertThat(blocked - before).as("threads started while %d clients blocked (%d before, %d after)",
                    CLIENTS, before, blocked).isLessThan(10);

            for (int i = 0; i < CLIENTS; i++) {
                assertThat(pusher.call("LPUSH", "queue", "e" + i)).startsWith(":");
            }
            Set<String> received = new HashSet<>();
            for (RespConnection client : clients) {
                String reply = client.readReply();
                assertThat(reply).as("a woken BRPOP's reply").startsWith("*2\r\n$5\r\nqueue\r\n");
                String element = reply.substring(reply.lastIndexOf("$")).split("\r\n")[1];
                assertThat(received.add(element)).as("element %s reached a second client", element).isTrue();
            }
            assertThat(received).hasSize(CLIENTS);
            // The next reply of every client is its PING's: no client was answered twice.
            for (RespConnection client : clients) {
                assertThat(client.call("PING")).as("the reply after a woken BRPOP's").isEqualTo("+PONG\r\n");
            }
            assertThat(pusher.call("LLEN", "queue")).isEqualTo(":0\r\n");
            assertThat(this.store.blocked().blockedClients()).isZero();
        }
        finally {
            clients.forEach(RespConnection::close);
        }
    }
}
