package io.keystonelight.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;

class TcpEndpointHealthIndicatorTest {

    @Test
    void downWithTheReasonWhenTheEndpointDoesNotListen() {
        TcpNetServerConnectionFactory notListening = new TcpNetServerConnectionFactory(0);
        Health health = new TcpEndpointHealthIndicator(notListening).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("reason", "the TCP endpoint does not accept connections");
    }
}
