package io.keystonelight.health;

import io.keystonelight.transport.EventLoopServerConnectionFactory;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code tcpEndpoint} component of {@code /actuator/health}: DOWN when the TCP endpoint does
 * not listen, with the connections it holds.
 */
@Component("tcpEndpoint")
public class TcpEndpointHealthIndicator implements HealthIndicator {

    private final EventLoopServerConnectionFactory connectionFactory;

    public TcpEndpointHealthIndicator(EventLoopServerConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    @Override
    public Health health() {
        Health.Builder health = new Health.Builder()
                .withDetail("address", this.connectionFactory.getLocalAddress() + ":" + this.connectionFactory.getPort())
                .withDetail("connections", this.connectionFactory.openConnections());
        return this.connectionFactory.isListening() ? health.up().build()
                : health.down().withDetail("reason", "the TCP endpoint does not accept connections").build();
    }
}
