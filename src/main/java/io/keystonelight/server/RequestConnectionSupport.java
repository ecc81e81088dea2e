package io.keystonelight.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.springframework.util.Assert;

/**
 * Creates connections whose input is a {@link RequestReader}. Each holds the place under the
 * {@link ConnectionLimit} that {@link LimitedServerSocket} took for its socket, until it closes.
 */
final class RequestConnectionSupport implements TcpNetConnectionSupport {

    private final ConnectionLimit limit;

    RequestConnectionSupport(ConnectionLimit limit) {
        this.limit = limit;
    }

    @Override
    public TcpNetConnection createNewConnection(Socket socket, boolean server, boolean lookupHost,
            @Nullable ApplicationEventPublisher applicationEventPublisher, @Nullable String connectionFactoryName) {
        return new RequestConnection(socket, server, lookupHost, applicationEventPublisher, connectionFactoryName,
                this.limit);
    }

    private static final class RequestConnection extends TcpNetConnection {

        /** Replies larger than this go to the socket directly, unbuffered. */
        private static final int REPLY_BUFFER_BYTES = 8192;

        private final Socket socket;

        private final RequestReader reader;

        private final Lock sendLock = new ReentrantLock();

        private BufferedOutputStream replies;

        private final ConnectionLimit limit;

        /** Whether this connection holds a place; given back once, however often close() is called. */
        private final AtomicBoolean holdsPlace;

        RequestConnection(Socket socket, boolean server, boolean lookupHost,
                @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName, ConnectionLimit limit) {
            super(socket, server, lookupHost, publisher, factoryName);
            this.socket = socket;
            this.limit = limit;
            this.holdsPlace = new AtomicBoolean(true);
            try {
                this.reader = new RequestReader(socket, socket.getInputStream());
            }
            catch (IOException ex) {
                close();
                throw new IllegalStateException("could not read from a new connection", ex);
            }
        }

        @Override
        public void close() {
            if (this.holdsPlace.getAndSet(false)) {
                this.limit.release();
            }
            super.close();
        }

        @Override
        protected InputStream inputStream() {
            return this.reader;
        }

        /**
         * As the inherited send, with a reply buffer of a fixed size: the inherited one is as large
         * as the socket's send buffer, which Linux grows to about 2 MB on loopback, so a thousand
         * connections would hold 2 GB of heap for replies of a few bytes.
         */
        @Override
        @SuppressWarnings("unchecked")
        public void send(Message<?> message) {
            this.sendLock.lock();
            try {
                if (this.replies == null) {
                    this.replies = new BufferedOutputStream(this.socket.getOutputStream(), REPLY_BUFFER_BYTES);
                }
                Object reply = getMapper().fromMessage(message);
                Assert.state(reply != null, () -> "no reply in " + message);
                ((Serializer<Object>) getSerializer()).serialize(reply, this.replies);
                this.replies.flush();
            }
            catch (Exception ex) {
                MessagingException failure = new MessagingException(message, "Send Failed", ex);
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
