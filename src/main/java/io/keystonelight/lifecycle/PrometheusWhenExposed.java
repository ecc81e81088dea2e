package io.keystonelight.lifecycle;

import java.util.Map;
import java.util.Set;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The Prometheus registry only when {@code /actuator/prometheus} is exposed: unexposed, its
 * registry and the hundred-odd classes behind it were made at every start for nothing. A
 * {@code management.prometheus.metrics.export.enabled} that is set anywhere is used as given.
 */
public class PrometheusWhenExposed implements EnvironmentPostProcessor, Ordered {

    static final String ENABLED = "management.prometheus.metrics.export.enabled";

    private static final String SOURCE_NAME = "keystonelight.prometheus-when-exposed";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(ENABLED)) {
            return;
        }
        Set<String> exposed = MetricsWhenExposed.exposedEndpoints(environment);
        boolean wanted = exposed.contains("prometheus") || exposed.contains("*");
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME,
                Map.of(ENABLED, Boolean.toString(wanted))));
    }
}
