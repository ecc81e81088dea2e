package io.keystonelight.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Actuator's port follows the TCP port unless it is set. */
class HttpPortDefaultTest {

    @Test
    void followsTheTcpPort() {
        assertThat(HttpPortDefault.httpPortFor(7878)).isEqualTo(8080);
        assertThat(HttpPortDefault.httpPortFor(7879)).isEqualTo(8081);
        assertThat(HttpPortDefault.httpPortFor(0)).isZero();
        assertThat(HttpPortDefault.httpPortFor(65500)).as("out of range: a free port").isZero();
        assertThat(HttpPortDefault.httpPortFor(1)).as("below 1024: a free port").isZero();
    }

    @Test
    void aPortThatIsSetIsKept() {
        assertThat(port("--keystonelight.server.port=7879")).isEqualTo("8081");
        assertThat(port()).isEqualTo("8080");
        assertThat(port("--keystonelight.server.port=7879", "--server.port=9000")).isEqualTo("9000");
    }

    private static String port(String... args) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        new HttpPortDefault().postProcessEnvironment(environment, new SpringApplication());
        return environment.getProperty("server.port");
    }
}
