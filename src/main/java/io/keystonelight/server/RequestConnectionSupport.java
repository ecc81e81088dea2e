package io.keystonelight.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.serializer.Serializer;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnectionSupport;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessagingException;

/**
 * Creates connections whose input is a {@link RequestReader} and whose replies to pipelined
 * requests leave together. Each holds the place under the {@link ConnectionLimit} that
 * {@link LimitedServerSocket} took for its socket, until it closes, and is known to
 * {@link OpenConnections} while it is open, so that a shutdown can let it finish.
 */
final class RequestConnectionSupport implements TcpNetConnectionSupport {

    /**
     * A fixed size: the inherited send buffers replies in a buffer as large as the socket's send
     * buffer, which Linux grows to about 2 MB on loopback, so a thousand connections would hold
     * 2 GB of heap. Larger replies go to the socket directly.
     */
    private static final int REPLY_BUFFER_BYTES = 16 * 1024;

    private final ConnectionLimit limit;

    private final OpenConnections openConnections;

    RequestConnectionSupport(ConnectionLimit limit, OpenConnections openConnections) {
        this.limit = limit;
        this.openConnections = openConnections;
    }

    @Override
    public TcpNetConnection createNewConnection(Socket socket, boolean server, boolean lookupHost,
            @Nullable ApplicationEventPublisher applicationEventPublisher, @Nullable String connectionFactoryName) {
        return new RequestConnection(socket, server, lookupHost, applicationEventPublisher, connectionFactoryName,
                this.limit, this.openConnections);
    }

    private static final class RequestConnection extends TcpNetConnection {

        private final Socket socket;

        private final RequestReader reader;

        private final ConnectionLimit limit;

        private final OpenConnections openConnections;

        /** Whether this connection holds a place; given back once, however often close() is called. */
        private final AtomicBoolean holdsPlace;

        private final Lock sendLock = new ReentrantLock();

        private OutputStream out;

        RequestConnection(Socket socket, boolean server, boolean lookupHost,
                @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName, ConnectionLimit limit,
                OpenConnections openConnections) {
            super(socket, server, lookupHost, publisher, factoryName);
            this.socket = socket;
            this.limit = limit;
            this.openConnections = openConnections;
            this.holdsPlace = new AtomicBoolean(true);
            try {
                this.reader = new RequestReader(socket, socket.getInputStream());
            }
            catch (IOException ex) {
                close();
                throw new IllegalStateException("could not read from a new connection", ex);
            }
            openConnections.opened(this.reader);
        }

        @Override
        public void close() {
            if (this.holdsPlace.getAndSet(false)) {
                this.limit.release();
            }
            super.close();
            if (this.reader != null) {
                this.openConnections.closed(this.reader);
            }
        }

        @Override
        protected InputStream inputStream() {
            return this.reader;
        }

        /**
         * Writes a reply, but sends it on only when no further request is already waiting in the
         * input buffer: the reply to that one will carry it, so a pipelined batch goes back in
         * one packet rather than one per reply.
         */
        @Override
        @SuppressWarnings("unchecked")
        public void send(Message<?> message) {
            this.sendLock.lock();
            try {
                if (this.out == null) {
                    this.out = new BufferedOutputStream(this.socket.getOutputStream(), REPLY_BUFFER_BYTES);
                }
                Object reply = getMapper().fromMessage(message);
                ((Serializer<Object>) getSerializer()).serialize(reply, this.out);
                if (!this.reader.hasBufferedRequest()) {
                    this.out.flush();
                }
            }
            catch (Exception ex) {
                MessagingException failure = new MessagingException(message, "could not send the reply", ex);
                publishConnectionExceptionEvent(failure);
                closeConnection(true);
                throw failure;
            }
            finally {
                this.sendLock.unlock();
            }
        }
    }
}
