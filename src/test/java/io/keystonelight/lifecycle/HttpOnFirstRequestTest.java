package io.keystonelight.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ServerInThisJvm;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A start leaves WebFlux's codecs and JSON to the first HTTP request, and that request is still
 * answered in full.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class HttpOnFirstRequestTest {

    /** WebFlux's codecs, made with the JSON mapper: what the static-resource lookup used to make at start. */
    private static final String CODECS = "serverCodecConfigurer";

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void serverInTheTestsFolder(DynamicPropertyRegistry registry) {
        // The server's HTTP side is what this test is about, so not ServerInThisJvm's web environment of none.
        ServerInThisJvm.serverIn(registry, () -> folder);
    }

    @Autowired
    ConfigurableApplicationContext context;

    @LocalServerPort
    int httpPort;

    @Test
    void theCodecsAreMadeByTheFirstHealthRequestNotByTheStart() throws Exception {
        assertThat(this.context.getBeanFactory().containsSingleton(CODECS))
                .as("the codecs (and the JSON mapper behind them) once the context has started: expected not made yet")
                .isFalse();

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> health = http.send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + "/actuator/health"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).as("the first health request's status").isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"store\"").contains("\"tcpEndpoint\"");
        assertThat(this.context.getBeanFactory().containsSingleton(CODECS))
                .as("the codecs after the first HTTP request").isTrue();

        // Plain JSON asked for by name goes through the codecs, which have no mapper of the
        // application's to take (see the next test), and answers as before.
        HttpResponse<String> json = http.send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + this.httpPort + "/actuator/health"))
                .header("Accept", "application/json").timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).as("health asked for as application/json: status").isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type")).as("health asked for as application/json")
                .hasValue("application/json");
        assertThat(json.body()).startsWith("{\"components\":{\"diskSpace\":{\"details\":{")
                .contains("\"store\":{\"details\":{\"keys\":0,").contains("\"tcpEndpoint\"")
                .endsWith("\"groups\":[\"liveness\",\"readiness\"],\"status\":\"UP\"}");
    }

    @Test
    void theStartDefinesNoJsonMapperOfTheApplication() {
        // Jackson's auto-configuration is left out: its mapper, unused, had Spring's @EventListener
        // search load some 200 of Jackson's classes before the data port served.
        assertThat(this.context.getBeanFactory().getBeanNamesForType(JsonMapper.class, true, false))
                .as("JSON mapper beans; expected none, Actuator has its own").isEmpty();
    }
}
