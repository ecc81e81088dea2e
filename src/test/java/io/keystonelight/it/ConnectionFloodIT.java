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
 * Ten thousand connections at once against the packaged server with its default limit: it
 * serves as many as {@code max-connections} allows, tells every other one so in one line, and
 * keeps serving. The server runs with a 512 MB heap, so a thousand served connections must not
 * cost megabytes each.
 */
class ConnectionFloodIT {

    private static final int CONNECTIONS = 10_000;

    private static final int DEFAULT_LIMIT = 1000;

    private static final String REFUSAL = "ERR too many connections: this server serves at most " + DEFAULT_LIMIT
            + " at once (keystonelight.server.max-connections); try again later";

    @TempDir
    Path folder;

    @Test
    void tenThousandConnectionsAtOnceAreServedUpToTheLimitAndTheRestRefusedWithAReason() throws Exception {
        List<Socket> sockets = new ArrayList<>(CONNECTIONS);
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    Socket socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 30_000);
                    socket.setSoTimeout(30_000);
                    sockets.add(socket);
                }
                // The refusals come unasked; the served connections say nothing until asked.
                await().atMost(Duration.ofSeconds(60)).until(() -> waitingReplies(sockets) == CONNECTIONS - DEFAULT_LIMIT);
                List<Socket> served = new ArrayList<>();
                int refused = 0;
                for (Socket socket : sockets) {
                    InputStream in = socket.getInputStream();
                    if (in.available() > 0) {
                        assertThat(readLine(in)).isEqualTo(REFUSAL);
                        assertThat(in.read()).as("a refused connection is closed").isEqualTo(-1);
                        refused++;
                    }
                    else {
                        socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                        assertThat(readLine(in)).isEqualTo("PONG");
                        served.add(socket);
                    }
                }
                assertThat(served).hasSize(DEFAULT_LIMIT);
                assertThat(refused).isEqualTo(CONNECTIONS - DEFAULT_LIMIT);

                // Closing served connections frees their places for new clients.
                for (int i = 0; i < 10; i++) {
                    served.get(i).close();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    try (LineClient next = server.connect()) {
                        return "PONG".equals(next.call("ping"));
                    }
                });
                assertThat(server.output()).contains("Connection limit reached: 1000 clients are connected");
                System.out.printf("connections: %d opened at once and held; %d served, %d refused with '%s'; served "
                        + "again once places were freed%n", CONNECTIONS, served.size(), refused,
                        REFUSAL.substring(0, "ERR too many connections".length()));
            }
            finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    private static int waitingReplies(List<Socket> sockets) throws IOException {
        int waiting = 0;
        for (Socket socket : sockets) {
            if (socket.getInputStream().available() > 0) {
                waiting++;
            }
        }
        return waiting;
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
