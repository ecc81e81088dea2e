package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.integration.ip.tcp.connection.TcpNetConnection;
import org.springframework.integration.ip.tcp.connection.TcpNetConnectionSupport;

/**
 * Creates connections whose input is a {@link RequestReader}.
 */
final class RequestConnectionSupport implements TcpNetConnectionSupport {

    @Override
    public TcpNetConnection createNewConnection(Socket socket, boolean server, boolean lookupHost,
            @Nullable ApplicationEventPublisher applicationEventPublisher, @Nullable String connectionFactoryName) {
        return new RequestConnection(socket, server, lookupHost, applicationEventPublisher, connectionFactoryName);
    }

    private static final class RequestConnection extends TcpNetConnection {

        private final RequestReader reader;

        RequestConnection(Socket socket, boolean server, boolean lookupHost,
                @Nullable ApplicationEventPublisher publisher, @Nullable String factoryName) {
            super(socket, server, lookupHost, publisher, factoryName);
            try {
                this.reader = new RequestReader(socket, socket.getInputStream());
            }
            catch (IOException ex) {
                throw new IllegalStateException("could not read from a new connection", ex);
            }
        }

        @Override
        protected InputStream inputStream() {
            return this.reader;
        }
    }
}
