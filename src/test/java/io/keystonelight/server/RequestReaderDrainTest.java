package io.keystonelight.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

/**
 * How a connection ends when the server shuts down: requests already read are answered, then the
 * client is told that no more replies come.
 */
class RequestReaderDrainTest {

    private ServerSocket listener;

    private Socket client;

    private Socket accepted;

    private RequestReader reader;

    @BeforeEach
    void connect() throws IOException {
        this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.client = new Socket(InetAddress.getLoopbackAddress(), this.listener.getLocalPort());
        this.client.setSoTimeout(10_000);
        this.accepted = this.listener.accept();
        this.reader = new RequestReader(this.accepted, this.accepted.getInputStream());
    }

    @AfterEach
    void close() throws IOException {
        this.client.close();
        this.accepted.close();
        this.listener.close();
    }

    @Test
    void aBusyConnectionStillGetsTheRequestsItHasSentThenCloses() throws IOException {
        send("get a\nget b\n");
        assertThat(nextLine()).isEqualTo("get a");
        // The shutdown begins while "get a" is being answered; "get b" is already read.
        this.reader.finishAndClose();
        assertThat(this.reader.isFinished()).isFalse();
        assertThat(nextLine()).isEqualTo("get b");
        this.client.shutdownOutput();
        assertThatThrownBy(() -> this.reader.nextLine(1024)).isInstanceOf(SoftEndOfStreamException.class);
        assertThat(this.client.getInputStream().read()).as("end of the replies").isEqualTo(-1);
    }

    @Test
    void anIdleConnectionIsToldAtOnceAndWhatItSendsLaterIsNotExecuted() throws Exception {
        CompletableFuture<String> next = new CompletableFuture<>();
        Thread connectionThread = new Thread(() -> {
            try {
                next.complete(nextLine());
            }
            catch (IOException | RuntimeException ex) {
                next.completeExceptionally(ex);
            }
        });
        connectionThread.start();
        await().atMost(Duration.ofSeconds(10)).until(this.reader::isWaitingForClient);
        this.reader.finishAndClose();
        assertThat(this.reader.isFinished()).isTrue();
        InputStream replies = this.client.getInputStream();
        assertThat(replies.read()).as("end of the replies, without waiting for the client").isEqualTo(-1);
        send("set late 1\n");
        this.client.shutdownOutput();
        assertThatThrownBy(() -> next.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SoftEndOfStreamException.class);
        connectionThread.join(10_000);
    }

    private void send(String requests) throws IOException {
        this.client.getOutputStream().write(requests.getBytes(StandardCharsets.UTF_8));
        this.client.getOutputStream().flush();
    }

    private String nextLine() throws IOException {
        assertThat(this.reader.nextLine(1024)).isTrue();
        return new String(this.reader.lineBuffer(), this.reader.lineStart(), this.reader.lineLength(),
                StandardCharsets.UTF_8);
    }
}
