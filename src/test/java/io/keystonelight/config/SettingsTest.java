package io.keystonelight.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/** The settings are read from the settings classes themselves, with their defaults. */
class SettingsTest {

    @Test
    void everySettingWithItsDefault() {
        List<Settings.Setting> all = Settings.all();
        assertThat(all).contains(new Settings.Setting("keystonelight.server.port", "7878", false),
                new Settings.Setting("keystonelight.server.max-line-length", "1MB", false),
                new Settings.Setting("keystonelight.storage.data-file", "db.txt", false),
                new Settings.Setting("keystonelight.pid-file", "keystonelight.pid", false),
                new Settings.Setting("keystonelight.server.password", null, false));
        assertThat(all).extracting(Settings.Setting::name).doesNotContain("keystonelight.server",
                "keystonelight.storage");
    }

    @Test
    void theNearestNameIsTheSmallestSlip() {
        List<String> names = Settings.all().stream().map(Settings.Setting::name).toList();
        assertThat(Settings.nearest("keystonelight.server.prot", names)).isEqualTo("keystonelight.server.port");
        assertThat(Settings.nearest("keystonelight.sever.host", names)).isEqualTo("keystonelight.server.host");
        assertThat(Settings.nearest("keystonelight.storage.fsinc", names)).isEqualTo("keystonelight.storage.fsync");
    }

    @Test
    void namesEverySettingsClassAScanFinds() {
        ClassPathScanningCandidateComponentProvider scan = new ClassPathScanningCandidateComponentProvider(false);
        scan.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        List<String> scanned = new ArrayList<>();
        for (BeanDefinition candidate : scan.findCandidateComponents("io.keystonelight")) {
            scanned.add(candidate.getBeanClassName());
        }
        assertThat(Settings.PROPERTIES_CLASSES).extracting(Class::getName)
                .as("Settings.PROPERTIES_CLASSES must name every @ConfigurationProperties class of the server, "
                        + "or the check of unknown settings and serve --help miss its settings")
                .containsExactlyInAnyOrderElementsOf(scanned);
    }
}
