package io.keystonelight.transport;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.netty.channel.Channel;

/**
 * The open connections: counted against {@code max-connections} as they are accepted, tracked
 * so that a shutdown can let each finish what it received.
 */
final class ConnectionRegistry {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConnectionRegistry.class);

    private volatile int maxConnections;

    /** Whether the limit was reached and not yet left: logged once each time. */
    private volatile boolean atLimit;

    private final AtomicInteger accepted = new AtomicInteger();

    private final AtomicLong totalAccepted = new AtomicLong();

    private final AtomicLong refused = new AtomicLong();

    private final Set<ClientConnection> open = ConcurrentHashMap.newKeySet();

    private final Function<Channel, Function<WireProtocol, ClientConnection>> connectionFactory;

    ConnectionRegistry(int maxConnections, Function<Channel, Function<WireProtocol, ClientConnection>> connectionFactory) {
        this.maxConnections = maxConnections;
        this.connectionFactory = connectionFactory;
    }

    /** Counts a newly accepted channel; false if it is one too many and must be refused. */
    boolean admit() {
        if (this.accepted.incrementAndGet() > this.maxConnections) {
            this.accepted.decrementAndGet();
            this.refused.incrementAndGet();
            if (!this.atLimit) {
                this.atLimit = true;
                log.warn("Connection limit reached: {} clients are connected (keystonelight.server.max-connections); "
                        + "new connections are refused until some close", this.maxConnections);
            }
            return false;
        }
        if (this.atLimit && this.accepted.get() < this.maxConnections) {
            this.atLimit = false;
        }
        this.totalAccepted.incrementAndGet();
        return true;
    }

    /** An admitted channel closed. */
    void released() {
        this.accepted.decrementAndGet();
    }

    ClientConnection open(Channel channel, WireProtocol protocol) {
        ClientConnection connection = this.connectionFactory.apply(channel).apply(protocol);
        this.open.add(connection);
        return connection;
    }

    void closed(ClientConnection connection) {
        this.open.remove(connection);
    }

    /** The sessions of the open connections, in no order. */
    java.util.List<io.keystonelight.command.Session> sessions() {
        java.util.List<io.keystonelight.command.Session> sessions = new java.util.ArrayList<>(this.open.size());
        for (ClientConnection connection : this.open) {
            sessions.add(connection.session());
        }
        return sessions;
    }

    int maxConnections() {
        return this.maxConnections;
    }

    void maxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** The channels of the open connections, in no order. */
    java.util.List<Channel> channels() {
        java.util.List<Channel> channels = new java.util.ArrayList<>(this.open.size());
        for (ClientConnection connection : this.open) {
            channels.add(connection.channel());
        }
        return channels;
    }

    /** Connections accepted and not yet closed. */
    int count() {
        return this.accepted.get();
    }

    long totalAccepted() {
        return this.totalAccepted.get();
    }

    long refused() {
        return this.refused.get();
    }

    /**
     * Lets every open connection get the replies to what it sent, then closes it; returns how
     * many were still busy after {@code timeout}, which are then closed.
     */
    int finishAndClose(Duration timeout) throws InterruptedException {
        for (ClientConnection connection : this.open) {
            connection.finishAndClose();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!this.open.isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        int busy = this.open.size();
        for (ClientConnection connection : this.open) {
            connection.close();
        }
        return busy;
    }
}
