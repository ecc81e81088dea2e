package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ClientProcess;
import io.keystonelight.support.FreePorts;
import io.keystonelight.support.ServerProcess;

/**
 * The client as a user runs it, {@code java -jar keystonelight.jar --port N <command>}, against the
 * packaged server: what it prints, and its exit status.
 */
class ClientIT {

    @TempDir
    static Path folder;

    static ServerProcess server;

    @BeforeAll
    static void startServer() {
        server = ServerProcess.start(folder);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void setGetAndDeleteWithTheirExitStatuses() {
        assertSucceeds(client("set", "name", "Ada", "Lovelace"), "OK\n");
        assertSucceeds(client("set", "age", "36"), "OK\n");
        assertSucceeds(client("set", "city", "London"), "OK\n");
        assertSucceeds(client("get", "name"), "Ada Lovelace\n");
        assertSucceeds(client("delete", "age", "nobody"), "1\n");
        assertFails(client("get", "age"), 1, "keystonelight: key 'age' not found");
        // Deleting what is not there succeeds (idempotent scripts under set -e); only get exits 1.
        assertSucceeds(client("del", "age"), "0\n");
        ClientProcess equalsForm = ClientProcess.run(folder, "--port=" + server.port(), "get", "city");
        assertSucceeds(equalsForm, "London\n");
    }

    @Test
    void theValueIsTheRemainingArgumentsJoinedByOneSpace() {
        assertSucceeds(client("set", "motto", "", "two", "spaces|and  a", "bar"), "OK\n");
        assertSucceeds(client("get", "motto"), " two spaces|and  a bar\n");
    }

    @Test
    void pingAnswersPong() {
        assertSucceeds(client("ping"), "PONG\n");
    }

    @Test
    void anErrReplyExitsWithTwoAndSaysWhatWasWrong() {
        assertFails(client("get", "bad|key"), 2,
                "keystonelight: the server refused the request: invalid key 'bad|key': the key contains '|'");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertFails(client("get"), 2, "keystonelight: get takes exactly one key: get <key>");
        assertFails(client("fetch", "name"), 2, "keystonelight: unknown command 'fetch'; expected one of: set, "
                + "get, delete (or del), compact, ping, serve (see --help)");
    }

    @Test
    void helpAndVersionGoToStdoutAndSucceed() {
        ClientProcess help = ClientProcess.run(folder, "--help");
        assertThat(help.exitStatus()).isZero();
        assertThat(help.stderr()).isEmpty();
        assertThat(help.stdout()).startsWith("Usage: ").contains("Exit status: 0 done");
        for (String version : List.of("--version", "-V")) {
            ClientProcess run = ClientProcess.run(folder, version);
            assertThat(run.exitStatus()).as(version).isZero();
            assertThat(run.stdout()).as(version).matches("keystonelight \\d+\\.\\d+\\.\\d+.*\n");
        }
    }

    @Test
    void aServerThatCannotBeReachedExitsWithThree() throws IOException {
        // Below the ephemeral range: no outgoing connection binds it while the client runs.
        int port = FreePorts.belowEphemeralRange();
        ClientProcess run = ClientProcess.run(folder, "--port", Integer.toString(port), "get", "name");
        assertFails(run, 3, "keystonelight: cannot reach a KeystoneLight server at 127.0.0.1:" + port);
    }

    @Test
    void theClientLoadsNothingOfSpringButTheJarLauncher() {
        ClientProcess run = ClientProcess.run(folder, List.of("-verbose:class"), "--port",
                Integer.toString(server.port()), "ping");
        assertThat(run.exitStatus()).isZero();
        List<String> springClasses = Arrays.stream(run.stdout().split("\n"))
                .filter(line -> line.contains(" org.springframework."))
                .filter(line -> !line.contains(" org.springframework.boot.loader."))
                .toList();
        assertThat(springClasses).isEmpty();
        assertThat(run.stdout()).contains("io.keystonelight.client.KeystoneLightClient").contains("\nPONG\n");
        System.out.printf("client ping took %d ms (with -verbose:class)%n", run.took().toMillis());
    }

    @Test
    void aServerWithAPasswordIsReachedWithThePasswordFromTheEnvironment(@TempDir Path other) {
        try (ServerProcess guarded = ServerProcess.start(other, "--keystonelight.server.password=open sesame")) {
            String port = Integer.toString(guarded.port());
            ClientProcess withPassword = ClientProcess.run(other,
                    Map.of("KEYSTONELIGHT_SERVER_PASSWORD", "open sesame"), List.of(), "--port", port, "ping");
            assertSucceeds(withPassword, "PONG\n");
            ClientProcess without = ClientProcess.run(other, "--port", port, "ping");
            assertFails(without, 2, "keystonelight: the server refused the request: authentication required");
            ClientProcess wrong = ClientProcess.run(other, Map.of("KEYSTONELIGHT_SERVER_PASSWORD", "guess"),
                    List.of(), "--port", port, "ping");
            assertFails(wrong, 2, "keystonelight: the server refused the request: password from "
                    + "KEYSTONELIGHT_SERVER_PASSWORD not accepted: invalid password");
        }
    }

    private static ClientProcess client(String... arguments) {
        String[] withPort = new String[arguments.length + 2];
        withPort[0] = "--port";
        withPort[1] = Integer.toString(server.port());
        System.arraycopy(arguments, 0, withPort, 2, arguments.length);
        return ClientProcess.run(folder, withPort);
    }

    private static void assertSucceeds(ClientProcess run, String stdout) {
        assertThat(run.stderr()).isEmpty();
        assertThat(run.exitStatus()).isZero();
        assertThat(run.stdout()).isEqualTo(stdout);
    }

    private static void assertFails(ClientProcess run, int status, String message) {
        assertThat(run.exitStatus()).as(run.stderr()).isEqualTo(status);
        assertThat(run.stderr()).startsWith(message).hasLineCount(1);
    }
}
