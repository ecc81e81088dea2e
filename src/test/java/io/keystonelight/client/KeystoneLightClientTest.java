package io.keystonelight.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a stand-in server that answers one request with a fixed line: what it sends,
 * what it prints and which exit status each reply gives.
 */
class KeystoneLightClientTest {

    @TempDir
    Path folder;

    private ServerSocket server;

    private final CompletableFuture<String> received = new CompletableFuture<>();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void listen() throws IOException {
        this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        this.server.close();
    }

    @Test
    void setSendsTheJoinedValueAndPrintsOk() throws Exception {
        answer("OK");
        assertThat(run("set", "name", "Ada", "Lovelace")).isZero();
        assertThat(request()).isEqualTo("set name Ada Lovelace");
        assertThat(stdout()).isEqualTo("OK\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void getPrintsTheBareValue() throws Exception {
        answer("VALUE Ada Lovelace | 1815");
        assertThat(run("get", "name")).isZero();
        assertThat(request()).isEqualTo("get name");
        assertThat(stdout()).isEqualTo("Ada Lovelace | 1815\n");
    }

    @Test
    void getOfAMissingKeyExitsWithOne() throws Exception {
        answer("NOT_FOUND");
        assertThat(run("get", "nobody")).isEqualTo(1);
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).isEqualTo("keystonelight: key 'nobody' not found\n");
    }

    @Test
    void deletePrintsHowManyExistedAndExitsWithOneWhenNoneDid() throws Exception {
        answer("DELETED 2");
        assertThat(run("delete", "a", "b", "c")).isZero();
        assertThat(request()).isEqualTo("delete a b c");
        assertThat(stdout()).isEqualTo("2\n");
    }

    @Test
    void deleteOfNoExistingKeyPrintsZeroAndSucceeds() throws Exception {
        // Scripts under set -e delete what may not be there: that is done, not a failure.
        answer("DELETED 0");
        assertThat(run("del", "a", "b")).isZero();
        assertThat(stdout()).isEqualTo("0\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void anErrReplyExitsWithTwoAndShowsTheServersMessage() throws Exception {
        answer("ERR invalid key 'a|b': the key contains '|'");
        assertThat(run("get", "a|b")).isEqualTo(2);
        assertThat(stderr()).isEqualTo(
                "keystonelight: the server refused the request: invalid key 'a|b': the key contains '|'\n");
    }

    @Test
    void pingPrintsPong() throws Exception {
        answer("PONG");
        assertThat(run("ping")).isZero();
        assertThat(stdout()).isEqualTo("PONG\n");
    }

    @Test
    void compactWithoutAPidFileSendsTheRequest() throws Exception {
        answerEach("COMPACT pid=1 started=0 finished=0 last=none",
                "OK compacted: 100 -> 40 bytes (60 reclaimed), 2 live keys, took 1 ms");
        Path missing = this.folder.resolve("none.pid");
        assertThat(run("--pid-file", missing.toString(), "compact")).isZero();
        assertThat(request()).isEqualTo("compact status\ncompact");
        assertThat(stdout()).isEqualTo("compacted: 100 -> 40 bytes (60 reclaimed), 2 live keys, took 1 ms "
                + "(sent the compact request: no PID file at " + missing + ")\n");
    }

    @Test
    void compactSignalsNoProcessButTheServerAtTheAddressGiven() throws Exception {
        // The PID file names a live KeystoneLight-looking process, but the server at --port says it is another.
        Path pidFile = this.folder.resolve("other.pid");
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        answerEach("COMPACT pid=" + (ProcessHandle.current().pid() + 1) + " started=0 finished=0 last=none",
                "OK compacted: 9 -> 9 bytes (0 reclaimed), 1 live key, took 0 ms");
        assertThat(run("--pid-file", pidFile.toString(), "compact")).isZero();
        assertThat(request()).isEqualTo("compact status\ncompact");
        assertThat(stdout()).contains("(sent the compact request: " + pidFile + " names process "
                + ProcessHandle.current().pid() + ", not the server at that address");
    }

    @Test
    void aFailedCompactionExitsWithTwoAndSaysWhy() throws Exception {
        answerEach("COMPACT pid=1 started=0 finished=0 last=none",
                "ERR compaction failed, the data file is unchanged: No space left on device");
        assertThat(run("--pid-file", this.folder.resolve("none.pid").toString(), "compact")).isEqualTo(2);
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).startsWith("keystonelight: compaction failed, the data file is unchanged: No space "
                + "left on device (sent the compact request: no PID file at").hasLineCount(1);
    }

    @Test
    void compactNeverSignalsAProcessThatIsNotAKeystoneLightServer() throws Exception {
        // This test JVM is alive but is not a KeystoneLight server: SIGUSR1 would kill it.
        Path pidFile = this.folder.resolve("other.pid");
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        answerEach("COMPACT pid=" + ProcessHandle.current().pid() + " started=0 finished=0 last=none",
                "OK compacted: 1 -> 1 bytes (0 reclaimed), 0 live keys, took 0 ms");
        assertThat(run("--pid-file", pidFile.toString(), "compact")).isZero();
        assertThat(request()).isEqualTo("compact status\ncompact");
        assertThat(stdout()).contains("is not recognisably a KeystoneLight server");
    }

    @Test
    void aServerThatIsNotListeningExitsWithThree() throws IOException {
        int port = this.server.getLocalPort();
        this.server.close();
        assertThat(KeystoneLightClient.run(new String[] { "--port", Integer.toString(port), "get", "k" }, Map.of(),
                print(this.out), print(this.err))).isEqualTo(3);
        assertThat(stderr()).startsWith("keystonelight: cannot reach a KeystoneLight server at 127.0.0.1:" + port)
                .endsWith("is it running? (see --host and --port)\n").hasLineCount(1);
    }

    @Test
    void aConnectionClosedWithoutAReplyExitsWithThree() throws Exception {
        answer((String) null);
        assertThat(run("ping")).isEqualTo(3);
        assertThat(stderr()).contains("closed the connection without replying").hasLineCount(1);
    }

    @Test
    void somethingElseListeningExitsWithThree() throws Exception {
        answer("HTTP/1.1 400 Bad Request");
        assertThat(run("ping")).isEqualTo(3);
        assertThat(stderr()).contains("unexpected reply").contains("is a KeystoneLight server listening there?");
    }

    @Test
    void usageErrorsExitWithTwoAndOneLineWithoutContactingTheServer() {
        assertThat(run("get")).isEqualTo(2);
        assertThat(stderr()).isEqualTo("keystonelight: get takes exactly one key: get <key>\n");
    }

    @Test
    void anUnknownCommandExitsWithTwoAndOneLine() {
        assertThat(run("fetch", "k")).isEqualTo(2);
        assertThat(stderr()).isEqualTo("keystonelight: unknown command 'fetch'; expected one of: set, get, "
                + "delete (or del), compact, ping, serve (see --help)\n");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void helpGoesToStdoutAndSucceeds() {
        assertThat(run("--help")).isZero();
        assertThat(stdout()).startsWith("Usage: java -jar keystonelight.jar").contains("--version, -V");
        assertThat(stderr()).isEmpty();
        this.out.reset();
        assertThat(run("-h")).isZero();
        assertThat(stdout()).startsWith("Usage: java -jar keystonelight.jar");
    }

    @Test
    void versionAndItsShortFormPrintTheVersion() {
        assertThat(run("--version")).isZero();
        assertThat(stdout()).startsWith("keystonelight ").hasLineCount(1);
        this.out.reset();
        assertThat(run("-V")).isZero();
        assertThat(stdout()).startsWith("keystonelight ").hasLineCount(1);
        assertThat(stderr()).isEmpty();
    }

    @Test
    void withAPasswordInTheEnvironmentItAuthenticatesFirst() throws Exception {
        answer("OK", "VALUE Ada");
        assertThat(runWith(Map.of("KEYSTONELIGHT_SERVER_PASSWORD", "s3cret pass"), "get", "name")).isZero();
        assertThat(request()).isEqualTo("auth s3cret pass\nget name");
        assertThat(stdout()).isEqualTo("Ada\n");
    }

    @Test
    void aWrongPasswordExitsWithTwo() throws Exception {
        answer("ERR invalid password", "ERR authentication required: send auth <password> first");
        assertThat(runWith(Map.of("KEYSTONELIGHT_SERVER_PASSWORD", "guess"), "get", "name")).isEqualTo(2);
        assertThat(stderr()).isEqualTo("keystonelight: the server refused the request: password from "
                + "KEYSTONELIGHT_SERVER_PASSWORD not accepted: invalid password\n");
    }

    @Test
    void aPasswordForAServerWithoutOneDoesNoHarm() throws Exception {
        answer("ERR no password is set on this server (keystonelight.server.password), so auth is not needed",
                "PONG");
        assertThat(runWith(Map.of("KEYSTONELIGHT_SERVER_PASSWORD", "s3cret"), "ping")).isZero();
        assertThat(stdout()).isEqualTo("PONG\n");
    }

    @Test
    void withoutThePasswordTheServersRefusalSaysWhereToPutIt() throws Exception {
        answer("ERR authentication required: send auth <password> first");
        assertThat(run("ping")).isEqualTo(2);
        assertThat(stderr()).isEqualTo("keystonelight: the server refused the request: authentication required: "
                + "send auth <password> first (the client sends the password in KEYSTONELIGHT_SERVER_PASSWORD)\n");
    }

    private int run(String... args) {
        return runWith(Map.of(), args);
    }

    private int runWith(Map<String, String> environment, String... args) {
        String[] withPort = new String[args.length + 2];
        withPort[0] = "--port";
        withPort[1] = Integer.toString(this.server.getLocalPort());
        System.arraycopy(args, 0, withPort, 2, args.length);
        return KeystoneLightClient.run(withPort, environment, print(this.out), print(this.err));
    }

    /**
     * Reads one request line per reply and answers each, or reads one and closes the connection
     * when {@code replies} is a single null. What was read is {@link #request()}.
     */
    private void answer(String... replies) {
        Thread responder = new Thread(() -> {
            try (Socket socket = this.server.accept()) {
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < replies.length; i++) {
                    lines.add(in.readLine());
                }
                this.received.complete(String.join("\n", lines));
                OutputStream output = socket.getOutputStream();
                for (String reply : replies) {
                    if (reply != null) {
                        output.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
                output.flush();
            }
            catch (IOException ex) {
                this.received.completeExceptionally(new UncheckedIOException(ex));
            }
        });
        responder.setDaemon(true);
        responder.start();
    }

    /** Answers one connection per reply, each reply to the one request line read there. */
    private void answerEach(String... replies) {
        Thread responder = new Thread(() -> {
            List<String> lines = new ArrayList<>();
            try {
                for (String reply : replies) {
                    try (Socket socket = this.server.accept()) {
                        BufferedReader in = new BufferedReader(
                                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                        lines.add(in.readLine());
                        OutputStream output = socket.getOutputStream();
                        output.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
                        output.flush();
                    }
                }
                this.received.complete(String.join("\n", lines));
            }
            catch (IOException ex) {
                this.received.completeExceptionally(new UncheckedIOException(ex));
            }
        });
        responder.setDaemon(true);
        responder.start();
    }

    private String request() throws Exception {
        return this.received.get(10, TimeUnit.SECONDS);
    }

    private String stdout() {
        return this.out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return this.err.toString(StandardCharsets.UTF_8);
    }

    private static PrintStream print(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }
}
