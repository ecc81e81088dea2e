package io.keystonelight.lifecycle;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Micrometer's meter registry, with the JVM, system, Logback and start-up meters bound to it, only
 * when {@code /actuator/metrics} or {@code /actuator/prometheus} is exposed over HTTP. Unexposed,
 * nothing reads a meter (RESP {@code INFO} reads the server's own counters), yet their
 * auto-configurations were parsed and some 440 classes loaded and bound before the data port
 * served. Left out here, before their bytecode is read, not by a condition that would still read it.
 * <p>
 * Which endpoints are exposed is fixed for the life of the process, so the choice holds: exposing
 * them takes a restart either way.
 */
public class MetricsWhenExposed implements AutoConfigurationImportFilter, EnvironmentAware, Ordered {

    static final String EXPOSURE = "management.endpoints.web.exposure.include";

    /** Every auto-configuration of Micrometer's meters: the registries, the binders, the endpoints. */
    static final String METRICS_PACKAGE = "org.springframework.boot.micrometer.metrics.autoconfigure.";

    /** Spring Integration's meters, made only where there is a registry to hold them. */
    static final String INTEGRATION_METRICS =
            "org.springframework.boot.integration.autoconfigure.metrics.IntegrationMetricsAutoConfiguration";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        // Before Spring's own filters, which would otherwise look for the classes these name.
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata autoConfigurationMetadata) {
        boolean exposed = metricsExposed(this.environment);
        boolean[] match = new boolean[autoConfigurationClasses.length];
        for (int i = 0; i < match.length; i++) {
            match[i] = exposed || !isMetrics(autoConfigurationClasses[i]);
        }
        return match;
    }

    static boolean isMetrics(String autoConfiguration) {
        return autoConfiguration != null
                && (autoConfiguration.startsWith(METRICS_PACKAGE) || autoConfiguration.equals(INTEGRATION_METRICS));
    }

    static boolean metricsExposed(Environment environment) {
        Set<String> exposed = exposedEndpoints(environment);
        return exposed.contains("metrics") || exposed.contains("prometheus") || exposed.contains("*");
    }

    /** The endpoints exposed over HTTP, as Actuator reads the setting: a list, any case. */
    static Set<String> exposedEndpoints(Environment environment) {
        return Binder.get(environment).bind(EXPOSURE, Bindable.setOf(String.class)).orElse(Set.of()).stream()
                .map(id -> id.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
    }
}
