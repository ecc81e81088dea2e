package io.keystonelight.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ChildProcess;
import io.keystonelight.support.Needs;
import io.keystonelight.support.RedisServerProcess;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's {@code redis-cli} against the packaged server, as an operator's runbook uses it:
 * plain commands, {@code --pipe} of 10,000 commands, {@code -x} of a binary value that must read
 * back equal after a restart; and the meters at {@code /actuator/prometheus}.
 */
class RedisCliIT {

    /** CR, LF, NUL, '|', bytes that are not UTF-8, and a trailing space. */
    private static final byte[] BINARY = { 'a', '\r', '\n', 'b', 0, '|', (byte) 0xff, (byte) 0xc3, (byte) 0x28, ' ' };

    @TempDir
    Path folder;

    @BeforeAll
    static void redisCliInstalled() {
        Needs.require(RedisServerProcess.executable("redis-cli") != null,
                "redis-cli is not installed (apt-get install redis-tools; .ci/run installs it)");
    }

    /** One server for both, since starts are what takes the time. */
    @Test
    void redisCliSetsGetsDeletesAndPipesTenThousandCommandsAndTheMetersCountThem() throws Exception {
        try (ServerProcess server = ServerProcess.start(this.folder,
                "--management.endpoints.web.exposure.include=health,metrics,prometheus")) {
            int port = server.port();
            assertThat(cli(port, null, "set", "greeting", "hello world")).isEqualTo("OK\n");
            assertThat(cli(port, null, "get", "greeting")).isEqualTo("hello world\n");
            assertThat(cli(port, null, "del", "greeting", "nothing")).isEqualTo("1\n");
            assertThat(cli(port, null, "get", "greeting")).isEqualTo("\n");

            ByteArrayOutputStream commands = new ByteArrayOutputStream();
            for (int i = 0; i < 10_000; i++) {
                commands.writeBytes(RespConnection.request("SET", "pipe:" + i, "value " + i));
            }
            String piped = cli(port, commands.toByteArray(), "--pipe");
            assertThat(piped).as(piped).contains("errors: 0, replies: 10000");
            assertThat(cli(port, null, "dbsize")).isEqualTo("10000\n");
            assertThat(cli(port, null, "get", "pipe:9999")).isEqualTo("value 9999\n");
            assertThat(cli(port, null, "nosuchcommand")).startsWith("ERR unknown command");
            assertMeters(server);
        }
    }

    private static void assertMeters(ServerProcess server) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String prometheus = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(prometheus).contains("keystonelight_commands_total{kind=\"write\"}",
                "keystonelight_commands_total{kind=\"read\"}", "keystonelight_command_errors_total",
                "keystonelight_connections_open", "keystonelight_fsync_seconds_count",
                "keystonelight_fsync_seconds_sum", "keystonelight_compactions_total", "keystonelight_keys");
        assertThat(value(prometheus, "keystonelight_commands_total{kind=\"write\"}")).isGreaterThanOrEqualTo(10_002);
        assertThat(value(prometheus, "keystonelight_fsync_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(value(prometheus, "keystonelight_command_errors_total")).isEqualTo(1);
        assertThat(value(prometheus, "keystonelight_keys")).isEqualTo(10_000);
        // Exposed, the registry has the JVM's, the system's and Logback's meters too, which an unexposed server
        // leaves out (StartupIT). Only meters bound with the registry, before the server announces its port:
        // a GC pause's timer waits for a pause, the ready time for the end of the start.
        assertThat(prometheus).as("the JVM's, system's and Logback's meters once exposed")
                .contains("jvm_memory_used_bytes", "jvm_gc_live_data_size_bytes", "jvm_threads_live_threads",
                        "jvm_classes_loaded_classes", "process_cpu_usage", "process_uptime_seconds",
                        "system_cpu_count", "logback_events_total");
        String metric = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                + "/actuator/metrics/keystonelight.commands")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metric).contains("\"kind\"", "COUNT");
        String names = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                + "/actuator/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(names).as("the names /actuator/metrics lists").contains("\"keystonelight.commands\"",
                "\"jvm.memory.used\"", "\"process.uptime\"", "\"system.cpu.count\"", "\"logback.events\"");
        String info = cli(server.port(), null, "info", "stats");
        assertThat(info).contains("total_commands_processed:", "total_error_replies:1");
    }

    @Test
    void aBinaryValueSetWithDashXReadsBackEqualAfterARestart() throws Exception {
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            assertThat(cli(server.port(), BINARY, "-x", "set", "binary")).isEqualTo("OK\n");
            assertThat(cliBytes(server.port(), null, "get", "binary")).isEqualTo(withNewline(BINARY));
            server.signal("TERM");
            server.awaitExit(Duration.ofSeconds(60));
        }
        // CR, LF, NUL, | and bytes that are not UTF-8 cannot stand in a plain record: the escaped one holds them.
        byte[] file = Files.readAllBytes(this.folder.resolve("db.txt"));
        assertThat(contains(file, (byte) 0)).as("a NUL byte in the data file, where the escaped record has %00")
                .isFalse();
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).as("the data file")
                .isEqualTo("|set|binary|a%0D%0Ab%00%7C%FF%C3( \n");
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            assertThat(cliBytes(server.port(), null, "get", "binary")).isEqualTo(withNewline(BINARY));
            assertThat(cliBytes(server.port(), null, "strlen", "binary"))
                    .isEqualTo((BINARY.length + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static double value(String prometheus, String name) {
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(name + " ") || (!name.contains("{") && line.startsWith(name + "{"))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " is not in:\n" + prometheus);
    }

    private static byte[] withNewline(byte[] bytes) {
        byte[] line = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, line, 0, bytes.length);
        line[bytes.length] = '\n';
        return line;
    }

    private static boolean contains(byte[] bytes, byte b) {
        for (byte each : bytes) {
            if (each == b) {
                return true;
            }
        }
        return false;
    }

    private static String cli(int port, byte[] stdin, String... arguments) throws IOException, InterruptedException {
        return new String(cliBytes(port, stdin, arguments), StandardCharsets.UTF_8);
    }

    /** Runs redis-cli with its output to a pipe (so it prints raw replies) and returns what it printed. */
    private static byte[] cliBytes(int port, byte[] stdin, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(arguments));
        return ChildProcess.of(command).input(stdin).run(Duration.ofSeconds(60)).output();
    }
}
