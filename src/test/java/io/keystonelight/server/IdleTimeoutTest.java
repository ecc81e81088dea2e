package io.keystonelight.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code idle-timeout} set, a connection that sends nothing is closed; one that keeps
 * talking is not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class IdleTimeoutTest {

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("keystonelight.server.port", () -> "0");
        registry.add("keystonelight.server.idle-timeout", () -> "500ms");
        registry.add("keystonelight.storage.data-file", () -> folder.resolve("db.txt").toString());
        registry.add("keystonelight.pid-file", () -> folder.resolve("keystonelight.pid").toString());
    }

    @Autowired
    TcpNetServerConnectionFactory connectionFactory;

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
