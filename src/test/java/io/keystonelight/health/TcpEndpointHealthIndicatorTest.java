package io.keystonelight.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import io.keystonelight.transport.EventLoopServerConnectionFactory;
import io.keystonelight.transport.RequestLimits;

import java.time.Duration;
import java.util.List;

class TcpEndpointHealthIndicatorTest {

    @Test
    void downWithTheReasonWhenTheEndpointDoesNotListen() {
        EventLoopServerConnectionFactory notListening = new EventLoopServerConnectionFactory("127.0.0.1", 0, 1, 10,
                new RequestLimits(1024, 1024), Duration.ZERO, List.of());
        Health health = new TcpEndpointHealthIndicator(notListening).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("reason", "the TCP endpoint does not accept connections");
    }
}
