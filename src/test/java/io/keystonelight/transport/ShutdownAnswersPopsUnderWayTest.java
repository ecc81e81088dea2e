package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.keystonelight.command.Session;
import io.keystonelight.persistence.FileChannelOpener;
import io.keystonelight.support.FaultyDisk;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The server stops (as on SIGTERM) while one client's blocking pop has taken an element whose
 * write waits for the disk, and another client's blocking pop waits on an empty list. The first
 * gets its element before its connection closes: closing it at once would leave the element
 * popped in the data file and with no client, which is how a Spring Integration queue lost a
 * message across a restart. The second is closed without waiting for its timeout, as Redis does.
 */
class ShutdownAnswersPopsUnderWayTest extends ServerInThisJvm {

    static final FaultyDisk disk = new FaultyDisk();

    @TestConfiguration
    static class SlowDisk {

        @Bean
        FileChannelOpener slowDisk() {
            return disk;
        }
    }

    @Autowired
    GracefulShutdown shutdown;

    @AfterEach
    void releaseTheDisk() {
        disk.releaseFsyncs();
    }

    @Test
    void aPopWhoseWriteIsUnderWayIsAnsweredBeforeTheConnectionClosesAndAWaitingPopIsClosed() throws Exception {
        try (RespConnection popping = RespConnection.connect(this.port);
                RespConnection waiting = RespConnection.connect(this.port)) {
            waiting.send(RespConnection.request("BRPOP", "empty", "0"));
            RespConnection.awaitBlockedClients(this.port, 1);
            // A write after the waiting pop's first attempt: once it is answered, that attempt found
            // nothing with the disk still free, and only the next pop's write is held.
            assertThat(popping.call("RPUSH", "queue", "only")).isEqualTo(":1\r\n");
            disk.holdFsyncs();
            popping.send(RespConnection.request("BRPOP", "queue", "0"));
            assertThat(disk.awaitHeldFsync(Duration.ofSeconds(10))).as("the pop's write reached its fsync").isTrue();

            awaitOpenConnections(2);
            // Taken before the stop, which may close the waiting connection at once.
            List<Session> sessions = this.connectionFactory.sessions();
            assertThat(sessions).hasSize(2);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(this.shutdown::stop);
            awaitEnding(sessions);

            assertThat(waiting.closedByServer()).as("the pop waiting on an empty list is closed").isTrue();
            assertThat(popping.replyArrived()).as("no reply before the pop is durable").isFalse();
            disk.releaseFsyncs();
            assertThat(popping.readReply()).as("the popped element, before the connection closes")
                    .isEqualTo("*2\r\n$5\r\nqueue\r\n$4\r\nonly\r\n");
            assertThat(popping.closedByServer()).isTrue();
            stopping.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Until the server counts {@code count} open connections and holds as many sessions: the
     * observers' have gone. The count drops when a channel closes and the session leaves the
     * registry a step later, so both are awaited.
     */
    private void awaitOpenConnections(int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (this.connectionFactory.openConnections() != count || this.connectionFactory.sessions().size() != count) {
            assertThat(System.nanoTime()).as("%d open connections within 30 s", count).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /** Until the shutdown has told each connection, on its event loop, to take no more requests. */
    private static void awaitEnding(List<Session> sessions) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Session session : sessions) {
            while (!CompletableFuture.supplyAsync(session::isEnding, session.eventLoop()).get(30, TimeUnit.SECONDS)) {
                assertThat(System.nanoTime()).as("the connection told to end within 30 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
    }
}
