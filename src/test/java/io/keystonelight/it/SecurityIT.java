package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

/**
 * The packaged server's defaults and settings that keep data private: loopback only, an optional
 * password, only health and info over HTTP, files for the owner alone.
 */
class SecurityIT {

    private static final String PASSWORD = "n0t-in-any-log";

    @TempDir
    Path folder;

    @Test
    void listeningBeyondLoopbackWithoutAPasswordStopsTheStart() {
        try (ServerProcess server = ServerProcess.launch(this.folder, "--keystonelight.server.host=0.0.0.0")) {
            assertThat(server.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(server.output()).contains("APPLICATION FAILED TO START")
                    .contains("refusing to listen on 0.0.0.0 without a password: it is not a loopback address")
                    .contains("--keystonelight.server.password=")
                    .contains("--keystonelight.server.allow-unauthenticated-remote=true")
                    .doesNotContain("KeystoneLight is serving");
        }
        assertThat(this.folder.resolve("keystonelight.pid")).doesNotExist();
    }

    @Test
    void aPasswordProtectedServerOnLoopbackExposesOnlyHealthAndInfoAndKeepsItsFilesToItsOwner()
            throws IOException, InterruptedException {
        try (ServerProcess server = ServerProcess.start(this.folder, "--keystonelight.server.password=" + PASSWORD);
                LineClient client = server.connect()) {
            assertThat(server.output()).contains("KeystoneLight is serving on 127.0.0.1:")
                    .contains("Clients must authenticate");

            assertThat(client.call("get a")).isEqualTo("ERR authentication required: send auth <password> first");
            assertThat(client.call("auth guess")).isEqualTo("ERR invalid password");
            assertThat(client.call("auth " + PASSWORD)).isEqualTo("OK");
            assertThat(client.call("set a 1")).isEqualTo("OK");
            assertThat(client.call("compact")).startsWith("OK compacted");

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            String actuator = "http://127.0.0.1:" + server.httpPort() + "/actuator";
            assertThat(status(http, actuator + "/health")).isEqualTo(200);
            assertThat(status(http, actuator + "/info")).isEqualTo(200);
            for (String hidden : List.of("env", "configprops", "beans", "heapdump", "threaddump", "loggers",
                    "metrics", "mappings", "shutdown")) {
                assertThat(status(http, actuator + "/" + hidden)).as(hidden).isEqualTo(404);
            }

            for (String file : List.of("db.txt", "db.txt.lock", "keystonelight.pid")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.folder.resolve(file))))
                        .as(file).isEqualTo("rw-------");
            }
            assertThat(server.output()).as("the log").doesNotContain(PASSWORD);
        }
        System.out.println("security: loopback bind, auth required, only health and info over HTTP, data, lock "
                + "and PID files rw-------, password absent from the log");
    }

    private static int status(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
