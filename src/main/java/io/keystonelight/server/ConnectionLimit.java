package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many connections are served at once. Each open connection has a thread of its own, so
 * without a limit a flood of connections would take the server's threads and memory with it;
 * past the limit a connection is told so in one {@code ERR} line and closed (see
 * {@link LimitedServerSocket}).
 */
final class ConnectionLimit {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

    /** The most a refused connection's early input that is dropped before closing. */
    private static final long DRAIN_LIMIT = 64 * 1024;

    private final int max;

    private final AtomicInteger open = new AtomicInteger();

    /** Connections refused since the limit was last reached; logged once, not one line each. */
    private final AtomicLong refusedWhileFull = new AtomicLong();

    ConnectionLimit(int max) {
        this.max = max;
    }

    /** Takes a place for a new connection; false when all are taken. */
    boolean tryAcquire() {
        while (true) {
            int now = this.open.get();
            if (now >= this.max) {
                if (this.refusedWhileFull.getAndIncrement() == 0) {
                    log.warn("Connection limit reached: {} clients are connected, the most this server serves at once "
                            + "(keystonelight.server.max-connections). New connections are refused until some close.",
                            this.max);
                }
                return false;
            }
            if (this.open.compareAndSet(now, now + 1)) {
                long refused = this.refusedWhileFull.getAndSet(0);
                if (refused > 0) {
                    log.info("Accepting connections again; {} were refused while the limit of {} was reached", refused,
                            this.max);
                }
                return true;
            }
        }
    }

    void release() {
        this.open.decrementAndGet();
    }

    /** Connections being served now. */
    int open() {
        return this.open.get();
    }

    /** The one reply a refused connection gets, without its line ending. */
    String refusal() {
        return "ERR too many connections: this server serves at most " + this.max
                + " at once (keystonelight.server.max-connections); try again later";
    }

    /**
     * Tells a connection there is no place for it, and closes it. A reply to a new connection
     * fits its empty send buffer, so this does not block.
     */
    void refuse(Socket socket) {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            out.write((refusal() + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            socket.shutdownOutput();
            // Closing with unread input resets the connection, which can discard the refusal
            // before the client reads it: drop what has already arrived.
            InputStream in = socket.getInputStream();
            long dropped = 0;
            int available;
            while ((available = in.available()) > 0 && dropped < DRAIN_LIMIT) {
                dropped += in.skip(available);
            }
        }
        catch (IOException ex) {
            // The client is gone already.
        }
    }
}
