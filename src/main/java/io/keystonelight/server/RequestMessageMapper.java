package io.keystonelight.server;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.TcpConnection;
import org.springframework.integration.ip.tcp.connection.TcpMessageMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

/**
 * Makes each request a message with the one header the gateway needs to route its reply, the
 * connection id. The stock mapper adds the peer's host, address and port and the local address
 * (two system calls) to every request, which nothing here reads.
 */
final class RequestMessageMapper extends TcpMessageMapper {

    @Override
    public @Nullable Message<?> toMessage(TcpConnection connection, @Nullable Map<String, Object> headers) {
        Object payload = connection.getPayload();
        if (payload == null) {
            return null;
        }
        return new GenericMessage<>(payload, Map.of(IpHeaders.CONNECTION_ID, connection.getConnectionId()));
    }
}
