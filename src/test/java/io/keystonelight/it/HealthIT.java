package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.FreePorts;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /actuator/health} of the packaged server over HTTP.
 */
class HealthIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    /**
     * The first HTTP request makes WebFlux's handlers, codecs and JSON (a start leaves them to it):
     * about 15 s on a 2-core machine at load 40, against a fraction of a second after it.
     */
    private static final Duration FIRST_REQUEST_HEADROOM = Duration.ofSeconds(90);

    @TempDir
    Path folder;

    @Test
    void upWithTheStoreAndDownOnceItsDataFileCanNoLongerBeWritten() throws Exception {
        Path dataFile = this.folder.resolve("data").resolve("db.txt");
        try (ServerProcess server = ServerProcess.start(this.folder,
                "--keystonelight.storage.data-file=data/db.txt"); LineClient client = server.connect()) {
            assertThat(client.call("set a 1")).isEqualTo("OK");
            assertThat(client.call("set a 2")).isEqualTo("OK");
            assertThat(client.call("set b 3")).isEqualTo("OK");

            HttpResponse<String> up = get(server, "/actuator/health");
            assertThat(up.statusCode()).isEqualTo(200);
            JsonNode health = JsonMapper.builder().build().readTree(up.body());
            assertThat(health.path("status").asString()).isEqualTo("UP");
            JsonNode endpoint = health.path("components").path("tcpEndpoint");
            assertThat(endpoint.path("status").asString()).isEqualTo("UP");
            assertThat(endpoint.path("details").path("address").asString()).isEqualTo("127.0.0.1:" + server.port());
            JsonNode store = health.path("components").path("store");
            assertThat(store.path("status").asString()).isEqualTo("UP");
            JsonNode details = store.path("details");
            assertThat(details.path("keys").asLong()).isEqualTo(2);
            assertThat(details.path("dataFileBytes").asLong()).isEqualTo(12);
            assertThat(details.path("reclaimableRatio").asDouble()).isEqualTo(0.333);
            assertThat(details.path("lastCompaction").asString()).isEqualTo("never");
            assertThat(details.path("dataFile").asString()).isEqualTo(dataFile.toRealPath().toString());

            assertThat(get(server, "/actuator/health/readiness").body()).contains("\"status\":\"UP\"");
            assertThat(get(server, "/actuator/env").statusCode()).as("only health and info are exposed")
                    .isEqualTo(404);

            // Tests run as root, for whom permissions stop no write; a data file deleted and replaced
            // under the running server does stop every write from reaching the file a restart reads.
            Files.delete(dataFile);
            Files.createDirectory(dataFile);
            HttpResponse<String> down = get(server, "/actuator/health");
            assertThat(down.statusCode()).isEqualTo(503);
            JsonNode failed = JsonMapper.builder().build().readTree(down.body());
            assertThat(failed.path("status").asString()).isEqualTo("DOWN");
            assertThat(failed.path("components").path("store").path("details").path("reason").asString())
                    .contains("is no longer a regular file").contains("would be lost on restart");

            Files.delete(dataFile);
            Files.delete(dataFile.resolveSibling("db.txt.lock"));
            Files.delete(dataFile.getParent());
            assertThat(get(server, "/actuator/health").body()).contains("the data file's folder")
                    .contains("no longer exists");
        }
    }

    @Test
    void readinessIsUpOnlyOnceTheTcpEndpointAcceptsConnections() throws Exception {
        int tcpPort = freePort();
        int httpPort = freePort();
        List<String> seen = new ArrayList<>();
        try (ServerProcess server = ServerProcess.launch(this.folder, "--keystonelight.server.port=" + tcpPort,
                "--server.port=" + httpPort)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                seen.add(readiness(httpPort));
                return seen.get(seen.size() - 1).equals("UP");
            });
            try (LineClient client = LineClient.connect(tcpPort)) {
                assertThat(client.call("ping")).as("the endpoint, as soon as readiness said UP").isEqualTo("PONG");
            }
        }
        assertThat(seen.subList(0, seen.size() - 1)).as("readiness before UP").isNotEmpty()
                .allMatch(status -> status.equals("no answer") || status.equals("OUT_OF_SERVICE"));
    }

    /** The readiness status, or "no answer" while the HTTP port is not open yet. */
    private String readiness(int httpPort) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                + "/actuator/health/readiness")).timeout(FIRST_REQUEST_HEADROOM).build();
        try {
            String body = this.http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            return JsonMapper.builder().build().readTree(body).path("status").asString();
        }
        catch (ConnectException ex) {
            return "no answer";
        }
    }

    /** Given to the server, which binds it later: from below the ephemeral range, where no outgoing connection takes it meanwhile. */
    private static int freePort() {
        return FreePorts.belowEphemeralRange();
    }

    private HttpResponse<String> get(ServerProcess server, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(FIRST_REQUEST_HEADROOM).build();
        return this.http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
