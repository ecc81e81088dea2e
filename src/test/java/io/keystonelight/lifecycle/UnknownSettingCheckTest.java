package io.keystonelight.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * A misspelt {@code keystonelight.*} setting stops the start, naming the nearest real one; real
 * ones in each of their written forms pass.
 */
class UnknownSettingCheckTest {

    private final UnknownSettingCheck check = new UnknownSettingCheck();

    @Test
    void aMisspeltSettingOnTheCommandLineNamesTheNearestRealOne() {
        StandardEnvironment environment = environment("--keystonelight.server.prot=7897");
        assertThatThrownBy(() -> this.check.postProcessEnvironment(environment, new SpringApplication()))
                .isInstanceOf(UnknownSettingException.class)
                .hasMessage("unknown setting --keystonelight.server.prot on the command line; did you mean "
                        + "keystonelight.server.port?");
    }

    @Test
    void theReportSaysWhatToDo() {
        StandardEnvironment environment = environment("--keystonelight.storage.datafile=x.txt",
                "--keystonelight.storage.fsinc=no");
        UnknownSettingException unknown = (UnknownSettingException) catchThrown(environment);
        assertThat(unknown.nearest()).isEqualTo("keystonelight.storage.fsync");
        FailureAnalysis analysis = new StartupFailureAnalyzer().analyze(unknown);
        assertThat(analysis.getAction()).contains("serve --help");
    }

    @Test
    void aMisspeltEnvironmentVariableIsNamedAsOne() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("KEYSTONELIGHT_SERVER_PROT", "1", "PATH", "/bin")));
        assertThat(catchThrown(environment)).hasMessage("unknown setting KEYSTONELIGHT_SERVER_PROT in the environment; "
                + "did you mean KEYSTONELIGHT_SERVER_PORT?");
    }

    @Test
    void realSettingsInEachWrittenFormPass() {
        StandardEnvironment environment = environment("--keystonelight.server.port=1",
                "--keystonelight.server.max-line-length=2MB", "--keystonelight.server.maxConnections=5",
                "--keystonelight.pid-file=x.pid", "--keystonelight.storage.datafile=d", "--server.port=0", "--some.other.setting=1");
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("KEYSTONELIGHT_SERVER_PASSWORD", "x", "KEYSTONELIGHT_SERVER_ALLOW_UNAUTHENTICATED_REMOTE",
                                "true", "KEYSTONELIGHT_STORAGE_DATAFILE", "d.txt")));
        // Java system properties are left alone: build tools use keystonelight.* names of their own.
        environment.getPropertySources().addLast(new MapPropertySource("test", Map.of("keystonelight.whatever", "1")));
        assertThatNoException().isThrownBy(() -> this.check.postProcessEnvironment(environment,
                new SpringApplication()));
    }

    private Throwable catchThrown(StandardEnvironment environment) {
        try {
            this.check.postProcessEnvironment(environment, new SpringApplication());
        }
        catch (RuntimeException ex) {
            return ex;
        }
        throw new AssertionError("no setting was refused");
    }

    private static StandardEnvironment environment(String... args) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new MapPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of()));
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        return environment;
    }
}
