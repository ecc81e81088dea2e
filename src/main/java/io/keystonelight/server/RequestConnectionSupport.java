package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnectionSupport;

/**
 * Creates connections whose input is a {@link RequestReader}, each holding a place under the
 * {@link ConnectionLimit} until it closes, or refused when there is none.
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

        private final RequestReader reader;

        private final ConnectionLimit limit;

        /** Whether this connection holds a place; given back once, however often close() is called. */
        private final AtomicBoolean holdsPlace;

        RequestConnection(Socket socket, boolean server, boolean lookupHost,
                @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName, ConnectionLimit limit) {
            super(socket, server, lookupHost, publisher, factoryName);
            try {
                this.reader = new RequestReader(socket, socket.getInputStream());
            }
            catch (IOException ex) {
                throw new IllegalStateException("could not read from a new connection", ex);
            }
            this.limit = limit;
            this.holdsPlace = new AtomicBoolean(limit.tryAcquire());
            if (!this.holdsPlace.get()) {
                this.reader.refuse(limit.refusal());
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
    }
}
