package io.keystonelight.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

import org.springframework.integration.ip.tcp.connection.TcpSocketFactorySupport;

/**
 * A server socket that hands out connections only while the {@link ConnectionLimit} has places;
 * past it, a new connection is refused right where it was accepted, as Redis does, so that not
 * even a thread is spent on a connection that will not be served.
 */
final class LimitedServerSocket extends ServerSocket {

    private final ConnectionLimit limit;

    private LimitedServerSocket(ConnectionLimit limit) throws IOException {
        this.limit = limit;
    }

    @Override
    public Socket accept() throws IOException {
        while (true) {
            Socket socket = super.accept();
            if (this.limit.tryAcquire()) {
                return socket;
            }
            this.limit.refuse(socket);
        }
    }

    /** For the connection factory: creates its server socket as a {@link LimitedServerSocket}. */
    static TcpSocketFactorySupport factorySupport(ConnectionLimit limit) {
        ServerSocketFactory serverSockets = new ServerSocketFactory() {

            @Override
            public ServerSocket createServerSocket() throws IOException {
                return new LimitedServerSocket(limit);
            }

            @Override
            public ServerSocket createServerSocket(int port) throws IOException {
                return createServerSocket(port, 50, null);
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) throws IOException {
                return createServerSocket(port, backlog, null);
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
                ServerSocket socket = new LimitedServerSocket(limit);
                try {
                    socket.bind(new InetSocketAddress(address, port), backlog);
                }
                catch (IOException ex) {
                    socket.close();
                    throw ex;
                }
                return socket;
            }
        };
        return new TcpSocketFactorySupport() {

            @Override
            public ServerSocketFactory getServerSocketFactory() {
                return serverSockets;
            }

            @Override
            public SocketFactory getSocketFactory() {
                return SocketFactory.getDefault();
            }
        };
    }
}
