package io.keystonelight.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that bind them later than a test picks them (a cluster node's Raft port, named
 * in every node's peers setting before any node starts, and bound again when a killed node
 * restarts). They come from below the kernel's ephemeral range: a free port from inside it can be
 * taken meanwhile as the source port of any outgoing connection (a peer reconnecting, a client),
 * and the node that should bind it then fails to start.
 */
public final class FreePorts {

    private static final int LOWEST = 20_000;

    private FreePorts() {
    }

    /** A port nothing listens on now, below the ephemeral range. */
    public static int belowEphemeralRange() {
        int ceiling = ephemeralLow();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, ceiling);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
            catch (IOException taken) {
                // someone listens there: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port between " + LOWEST + " and " + ceiling
                + " in 1000 attempts"));
    }

    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        }
        catch (IOException | RuntimeException ex) {
            return 32_768;
        }
    }
}
