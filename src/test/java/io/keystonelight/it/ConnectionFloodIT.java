package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

/**
 * Ten thousand connections at once against the packaged server with its default limit: the event
 * loops hold and serve them all, one more is told why it is refused, and closing one makes room.
 * The server runs with a 512 MB heap, so a held connection must not cost much.
 */
class ConnectionFloodIT {

    private static final int DEFAULT_LIMIT = 10_000;

    private static final String REFUSAL = "ERR too many connections: this server serves at most " + DEFAULT_LIMIT
            + " at once (keystonelight.server.max-connections); try again later";

    @TempDir
    Path folder;

    @Test
    void tenThousandConnectionsAreHeldAndServedAtOnceAndOneMoreIsRefusedWithAReason() throws Exception {
        List<Socket> sockets = new ArrayList<>(DEFAULT_LIMIT);
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            try {
                for (int i = 0; i < DEFAULT_LIMIT; i++) {
                    Socket socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 30_000);
                    socket.setSoTimeout(30_000);
                    sockets.add(socket);
                }
                // Every one of them is served, while all are open.
                byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
                for (Socket socket : sockets) {
                    socket.getOutputStream().write(ping);
                }
                for (Socket socket : sockets) {
                    assertThat(readLine(socket.getInputStream())).isEqualTo("PONG");
                }
                try (Socket extra = new Socket()) {
                    extra.connect(new InetSocketAddress("127.0.0.1", server.port()), 30_000);
                    extra.setSoTimeout(30_000);
                    assertThat(readLine(extra.getInputStream())).isEqualTo(REFUSAL);
                    assertThat(extra.getInputStream().read()).as("a refused connection is closed").isEqualTo(-1);
                }

                // Closing a served connection frees its place for a new client.
                sockets.get(0).close();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    try (LineClient next = server.connect()) {
                        return "PONG".equals(next.call("ping"));
                    }
                });
                server.awaitOutput("Connection limit reached: " + DEFAULT_LIMIT + " clients are connected",
                        Duration.ofSeconds(30));
                System.out.printf("connections: %d opened at once, held and served; one more refused with '%s'; "
                        + "served again once a place was freed%n", DEFAULT_LIMIT,
                        REFUSAL.substring(0, "ERR too many connections".length()));
            }
            finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.append((char) b);
        }
        return line.toString().replace("\r", "");
    }
}
