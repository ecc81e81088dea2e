package io.keystonelight.lifecycle;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Actuator's HTTP port when {@code server.port} is not set: 8080 for the default TCP port 7878,
 * and otherwise as far from 8080 as the TCP port is from 7878 (7879 gives 8081), so that servers
 * started side by side with different TCP ports do not fight over one HTTP port. A TCP port of 0
 * gives 0 (a free port, logged), as does a TCP port whose counterpart would be out of range. A
 * {@code server.port} that is set, anywhere, is used as given, and a start fails if it is taken.
 */
public class HttpPortDefault implements EnvironmentPostProcessor, Ordered {

    static final int DEFAULT_HTTP_PORT = 8080;

    static final int DEFAULT_TCP_PORT = 7878;

    private static final String SOURCE_NAME = "keystonelight.http-port-default";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty("server.port")) {
            return;
        }
        int tcpPort;
        try {
            tcpPort = environment.getProperty("keystonelight.server.port", Integer.class, DEFAULT_TCP_PORT);
        }
        catch (RuntimeException ex) {
            // Not a number: the settings' validation reports it.
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME,
                Map.of("server.port", Integer.toString(httpPortFor(tcpPort)))));
    }

    static int httpPortFor(int tcpPort) {
        if (tcpPort == 0) {
            return 0;
        }
        int port = DEFAULT_HTTP_PORT + (tcpPort - DEFAULT_TCP_PORT);
        return port >= 1024 && port <= 65535 ? port : 0;
    }
}
