package io.keystonelight.server;

import java.io.IOException;
import java.net.ServerSocket;

import org.springframework.integration.ip.tcp.connection.DefaultTcpSocketSupport;
import org.springframework.stereotype.Component;

/**
 * Keeps hold of the endpoint's listening socket, so that a shutdown can stop accepting
 * connections without closing the open ones: the connection factory can only do both at once.
 */
@Component
class ListeningSocket extends DefaultTcpSocketSupport {

    private volatile ServerSocket serverSocket;

    @Override
    public void postProcessServerSocket(ServerSocket socket) {
        super.postProcessServerSocket(socket);
        this.serverSocket = socket;
    }

    /** From now on new clients are refused; open connections carry on. */
    void close() {
        ServerSocket socket = this.serverSocket;
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        }
        catch (IOException ex) {
            // Closed either way.
        }
    }
}
