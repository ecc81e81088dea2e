package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code idle-timeout} set, a connection that sends nothing is closed; one that keeps
 * talking is not.
 */
class IdleTimeoutTest extends ServerInThisJvm {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("keystonelight.server.idle-timeout", () -> "500ms");
    }

    @Test
    void anIdleConnectionIsClosedAndABusyOneIsNot() throws InterruptedException {
        try (LineClient idle = LineClient.connect(this.connectionFactory.getPort());
                LineClient busy = LineClient.connect(this.connectionFactory.getPort())) {
            assertThat(idle.call("ping")).isEqualTo("PONG");
            long started = System.nanoTime();
            // The busy client talks more often than the timeout, for three times as long.
            while (System.nanoTime() - started < 1_500_000_000L) {
                assertThat(busy.call("ping")).isEqualTo("PONG");
                Thread.sleep(100);
            }
            idle.setReadTimeout(10_000);
            assertThat(idle.readLine()).as("the idle connection was closed").isNull();
            assertThat(busy.call("ping")).isEqualTo("PONG");
        }
    }
}
