package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnectionSupport;

/**
 * Creates connections whose input is a {@link RequestReader}, and keeps {@link OpenConnections}
 * up to date.
 */
final class RequestConnectionSupport implements TcpNetConnectionSupport {

    private final OpenConnections openConnections;

    RequestConnectionSupport(OpenConnections openConnections) {
        this.openConnections = openConnections;
    }

    @Override
    public TcpNetConnection createNewConnection(Socket socket, boolean server, boolean lookupHost,
            @Nullable ApplicationEventPublisher applicationEventPublisher, @Nullable String connectionFactoryName) {
        return new RequestConnection(socket, server, lookupHost, applicationEventPublisher, connectionFactoryName,
                this.openConnections);
    }

    private static final class RequestConnection extends TcpNetConnection {

        private final RequestReader reader;

        private final OpenConnections openConnections;

        RequestConnection(Socket socket, boolean server, boolean lookupHost,
                @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName,
                OpenConnections openConnections) {
            super(socket, server, lookupHost, publisher, factoryName);
            try {
                this.reader = new RequestReader(socket, socket.getInputStream());
            }
            catch (IOException ex) {
                throw new IllegalStateException("could not read from a new connection", ex);
            }
            this.openConnections = openConnections;
            openConnections.opened(this.reader);
        }

        @Override
        protected InputStream inputStream() {
            return this.reader;
        }

        @Override
        public void close() {
            super.close();
            this.openConnections.closed(this.reader);
        }
    }
}
