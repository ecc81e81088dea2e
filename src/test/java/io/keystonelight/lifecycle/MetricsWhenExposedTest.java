package io.keystonelight.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

/**
 * Which auto-configurations the filter keeps: Micrometer's only when an HTTP endpoint that reads
 * meters is exposed, everything else always. (StartupIT and RedisCliIT check the same on a
 * running server: no registry loaded unexposed, every JVM meter there exposed.)
 */
class MetricsWhenExposedTest {

    private static final String[] CANDIDATES = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.jvm.JvmMetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            MetricsWhenExposed.INTEGRATION_METRICS,
            "org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration",
            "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
            null };

    @Test
    void unexposedTheMeterAutoConfigurationsAreLeftOutAndNothingElse() {
        assertThat(matchWith("health,info,cluster")).containsExactly(false, false, false, true, true, true);
        assertThat(matchWith(null)).containsExactly(false, false, false, true, true, true);
    }

    @Test
    void anExposedMetricsOrPrometheusEndpointKeepsThemAll() {
        for (String exposure : new String[] { "health,metrics", "prometheus", "*", "health, Metrics ",
                "health,PROMETHEUS" }) {
            assertThat(matchWith(exposure)).as("exposure.include=%s", exposure)
                    .containsExactly(true, true, true, true, true, true);
        }
    }

    private static boolean[] matchWith(String exposure) {
        MockEnvironment environment = new MockEnvironment();
        if (exposure != null) {
            environment.setProperty(MetricsWhenExposed.EXPOSURE, exposure);
        }
        MetricsWhenExposed filter = new MetricsWhenExposed();
        filter.setEnvironment(environment);
        return filter.match(CANDIDATES, null);
    }
}
