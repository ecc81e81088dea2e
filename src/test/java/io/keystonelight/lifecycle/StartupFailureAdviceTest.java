package io.keystonelight.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.keystonelight.persistence.DataFileCorruptException;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.security.UnprotectedRemoteAccessException;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * The advice the start-up failure report gives for a damaged file, a value none of a setting's
 * choices and an unprotected address.
 */
class StartupFailureAdviceTest {

    private final StartupFailureAnalyzer analyzer = new StartupFailureAnalyzer();

    @Test
    void aDamagedFileNamesTheRepairOption() {
        FailureAnalysis analysis = this.analyzer.analyze(new BeanCreationException("keyValueStore",
                "could not start", new DataFileCorruptException(Path.of("db.txt"), 3, 8, "empty line")));
        assertThat(analysis.getDescription()).contains("data file db.txt is damaged at line 3 (byte offset 8)");
        assertThat(analysis.getAction()).contains("--keystonelight.storage.repair=truncate")
                .contains("keeps a copy of the whole file");
    }

    @Test
    void aValueThatIsNoneOfASettingsChoicesListsThemInLowerCase() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("keystonelight.storage.fsync", "sometimes")));
        BindException failure = catchThrowableOfType(BindException.class,
                () -> binder.bind("keystonelight.storage.fsync", FsyncPolicy.class));
        FailureAnalysis analysis = this.analyzer.analyze(new BeanCreationException("keyValueStore", "could not start",
                failure));
        assertThat(analysis.getDescription()).startsWith("keystonelight.storage.fsync is 'sometimes'")
                .endsWith(", which is none of its values: always, everysec, no");
        assertThat(analysis.getAction()).isEqualTo("Set keystonelight.storage.fsync to one of: always, everysec, no");
    }

    @Test
    void anUnprotectedAddressNamesTheThreeWaysOut() {
        FailureAnalysis analysis = this.analyzer.analyze(new BeanCreationException("requestConnectionFactory",
                "could not start", new UnprotectedRemoteAccessException("0.0.0.0")));
        assertThat(analysis.getDescription()).startsWith("refusing to listen on 0.0.0.0 without a password");
        assertThat(analysis.getAction()).contains("--keystonelight.server.password=").contains("127.0.0.1")
                .contains("--keystonelight.server.allow-unauthenticated-remote=true");
    }
}
