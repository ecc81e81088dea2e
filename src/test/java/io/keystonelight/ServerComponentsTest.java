package io.keystonelight;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;

/**
 * The server names its components and auto-configurations instead of scanning for them; these
 * lists must not fall behind the code.
 */
class ServerComponentsTest {

    private static final ClassLoader LOADER = ServerComponentsTest.class.getClassLoader();

    @Test
    void listsEveryComponentAScanFindsInTheScansOrder() throws Exception {
        // What @SpringBootApplication's scan registered, in its order, with the default settings
        // (so a conditional class such as cluster mode's nested configuration is left out, as it
        // is read through its enclosing class).
        ClassPathScanningCandidateComponentProvider scan = new ClassPathScanningCandidateComponentProvider(true,
                new StandardEnvironment());
        URL mainClasses = codeSource(KeystoneLightApplication.class);
        List<String> scanned = new ArrayList<>();
        for (BeanDefinition candidate : scan.findCandidateComponents(KeystoneLightApplication.class.getPackageName())) {
            Class<?> type = ClassUtils.forName(candidate.getBeanClassName(), LOADER);
            // The test classes share the package; a scan in a test's JVM finds theirs too.
            if (codeSource(type).equals(mainClasses) && type != KeystoneLightApplication.class
                    && type.getEnclosingClass() == null) {
                scanned.add(type.getName());
            }
        }
        assertThat(scanned).as("the server's components as a scan of the class path finds them").isNotEmpty();
        assertThat(ServerComponents.CLASSES)
                .as("ServerComponents.CLASSES must list every component of the server, in the order a scan finds them")
                .containsExactlyElementsOf(scanned);
    }

    @Test
    void listsOnlyAutoConfigurationsThatExist() {
        Set<String> known = new TreeSet<>();
        ImportCandidates.load(org.springframework.boot.autoconfigure.AutoConfiguration.class, LOADER)
                .forEach(known::add);
        List<String> listed = new ArrayList<>();
        ImportCandidates.load(ServerAutoConfiguration.class, LOADER).forEach(listed::add);
        assertThat(listed).as("the auto-configurations ServerAutoConfiguration imports").hasSizeGreaterThan(30);
        assertThat(listed).as("each must be an auto-configuration of the libraries on the class path").isSubsetOf(known);
        assertThat(listed).as("the health endpoint, the Prometheus registry and the web server must be listed")
                .contains("org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration",
                        "org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration",
                        "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration");
    }

    private static URL codeSource(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
