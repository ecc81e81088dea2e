package io.keystonelight.health;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * The {@code tcpEndpoint} component of {@code /actuator/health}: DOWN when the TCP endpoint does
 * not listen. Should accepting connections fail (out of file descriptors, say), the connection
 * factory stops listening and logs it only at INFO; this makes it visible.
 */
@Component("tcpEndpoint")
public class TcpEndpointHealthIndicator implements HealthIndicator {

    private final TcpNetServerConnectionFactory connectionFactory;

    public TcpEndpointHealthIndicator(TcpNetServerConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    @Override
    public Health health() {
        Health.Builder health = new Health.Builder().withDetail("address",
                this.connectionFactory.getLocalAddress() + ":" + this.connectionFactory.getPort());
        return this.connectionFactory.isListening() ? health.up().build()
                : health.down().withDetail("reason", "the TCP endpoint does not accept connections").build();
    }
}
