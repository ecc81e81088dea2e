package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerProcess;

/**
 * How the packaged server starts, or refuses to, on what it finds.
 */
class StartupIT {

    @TempDir
    Path folder;

    @Test
    void aTornLastRecordIsCutOffWithAWarningGivingItsOffset() throws IOException {
        Files.writeString(this.folder.resolve("db.txt"), "a|1\nb|2\nc|unfinish", StandardCharsets.UTF_8);
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(server.output()).contains("ends with an incomplete record (10 bytes at byte offset 8)");
            assertThat(client.call("get a")).isEqualTo("VALUE 1");
            assertThat(client.call("get b")).isEqualTo("VALUE 2");
            assertThat(client.call("get c")).isEqualTo("NOT_FOUND");
            assertThat(client.call("set c 3")).isEqualTo("OK");
        }
        assertThat(Files.readString(this.folder.resolve("db.txt"))).isEqualTo("a|1\nb|2\nc|3\n");
    }

    @Test
    void aDamagedDataFileStopsTheStartNamingFileAndLine() throws IOException {
        Files.writeString(this.folder.resolve("db.txt"), "a|1\nb|2\nbad key|3\nc|4\n", StandardCharsets.UTF_8);
        try (ServerProcess server = ServerProcess.launch(this.folder)) {
            assertThat(server.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(server.output()).contains("APPLICATION FAILED TO START")
                    .contains("data file db.txt is damaged at line 3 (byte offset 8): invalid key: the key contains "
                            + "whitespace");
        }
        assertThat(this.folder.resolve("keystonelight.pid")).doesNotExist();
    }

    @Test
    void aSecondServerOnTheSameDataFileIsRefused() {
        try (ServerProcess first = ServerProcess.start(this.folder);
                ServerProcess second = ServerProcess.launch(this.folder,
                        "--keystonelight.pid-file=second.pid")) {
            assertThat(second.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(second.output()).contains("data file db.txt is already in use by another KeystoneLight server");
            try (LineClient client = first.connect()) {
                assertThat(client.call("ping")).as("the first server is unharmed").isEqualTo("PONG");
            }
        }
    }

    @Test
    void aSecondServerOnTheSameSettingsNamesEveryClashAtOnceBeforeOpeningAnything() {
        try (ServerProcess first = ServerProcess.start(this.folder)) {
            try (ServerProcess second = ServerProcess.launch(this.folder,
                    "--keystonelight.server.port=" + first.port(), "--server.port=" + first.httpPort(),
                    "--keystonelight.pid-file=second.pid")) {
                assertThat(second.awaitExit(Duration.ofSeconds(60))).isNotZero();
                assertThat(second.output()).contains("APPLICATION FAILED TO START")
                        .contains("the TCP endpoint could not listen on 127.0.0.1:" + first.port())
                        .contains("the HTTP port " + first.httpPort() + " for health (Actuator) is already in use")
                        .contains("data file db.txt is already in use by another KeystoneLight server");
                // Found before the context is built: the data file is never read, no port is tried.
                assertThat(second.output()).as("the second server stopped before any work")
                        .doesNotContain("Replayed").doesNotContain("Netty started");
            }
            try (LineClient client = first.connect()) {
                assertThat(client.call("ping")).as("the first server is unharmed").isEqualTo("PONG");
            }
        }
    }

    @Test
    void aTakenPortStopsTheStartWithTheAddress() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerProcess server = ServerProcess.launch(this.folder,
                        "--keystonelight.server.port=" + taken.getLocalPort())) {
            assertThat(server.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(server.output()).contains("the TCP endpoint could not listen on 127.0.0.1:"
                    + taken.getLocalPort());
        }
    }

    @Test
    void aSingleNodeLoadsNoClassOfClusterModeNorAnyMeterRegistryWhileMetricsAreNotExposed() throws Exception {
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(client.call("set a 1")).isEqualTo("OK");
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(server.pid()), "VM.class_hierarchy").redirectErrorStream(true).start();
            String loaded = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(jcmd.waitFor()).as(loaded).isZero();
            assertThat(loaded).as("jcmd's list of loaded classes").contains("io.keystonelight.store.KeyValueStore");
            // Raft and its transports are for cluster mode alone: a single node must not pay for them.
            assertThat(loaded).as("classes of cluster mode loaded by a single node")
                    .doesNotContain("org.apache.ratis").doesNotContain("io.keystonelight.cluster.ClusterNode");
            // Nor the Prometheus registry while its endpoint is not exposed (it is not by default).
            assertThat(loaded).as("the Prometheus client behind the registry, its endpoint not exposed")
                    .doesNotContain("io.prometheus.metrics");
            // Nor any meter registry or the JVM's and system's meters while neither /actuator/metrics nor
            // /actuator/prometheus is exposed: nothing would read them (RedisCliIT has them when exposed).
            assertThat(loaded).as("Micrometer's registries and meter binders, no metrics endpoint exposed")
                    .doesNotContain("io.micrometer.core.instrument.simple.SimpleMeterRegistry")
                    .doesNotContain("io.micrometer.core.instrument.composite.CompositeMeterRegistry")
                    .doesNotContain("io.micrometer.core.instrument.binder.jvm.")
                    .doesNotContain("io.micrometer.core.instrument.binder.system.")
                    .doesNotContain("io.micrometer.core.instrument.binder.logging.");
            // Nor Netty's Flight Recorder events for its allocator, the data path having allocated.
            assertThat(loaded).as("Netty's Flight Recorder events, off unless io.netty.jfr.enabled is set")
                    .doesNotContain("io.netty.buffer.AbstractAllocatorEvent");
        }
    }

    @Test
    void theServerServesBeforeActuatorsEndpointsAreBuilt() throws IOException {
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(client.call("ping")).isEqualTo("PONG");
            // Health still answers: its handlers are made after the announcement, not left out.
            assertThat(healthStatus(server.httpPort())).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains("Started KeystoneLight"));
            String output = server.output();
            int serving = output.indexOf("KeystoneLight is serving on");
            assertThat(serving).as("the announcement, in:%n%s", output)
                    .isLessThan(output.indexOf("Exposing 2 endpoints beneath base path '/actuator'"))
                    .isLessThan(output.indexOf("Started KeystoneLight"));
        }
    }

    @Test
    void aDataFileWithRecordsIsReplayedOnAThreadOfItsOwnWhileTheRestStarts() throws IOException {
        Files.writeString(this.folder.resolve("db.txt"), "a|1\nb|2\nb|3\n", StandardCharsets.UTF_8);
        try (ServerProcess server = ServerProcess.start(this.folder); LineClient client = server.connect()) {
            assertThat(server.output()).as("the server's log").containsPattern("\\[ *replay\\] .* Replayed 3 records");
            assertThat(client.call("get a")).isEqualTo("VALUE 1");
            assertThat(client.call("get b")).isEqualTo("VALUE 3");
            assertThat(client.call("set c 4")).isEqualTo("OK");
        }
        assertThat(Files.readString(this.folder.resolve("db.txt"))).isEqualTo("a|1\nb|2\nb|3\nc|4\n");
    }

    private static int healthStatus(int httpPort) throws IOException {
        HttpURLConnection health = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + "/actuator/health")
                .toURL().openConnection();
        try {
            return health.getResponseCode();
        }
        finally {
            health.disconnect();
        }
    }

    @Test
    void theServerWritesItsOwnProcessIdOnceItServes() throws IOException {
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            assertThat(Files.readString(this.folder.resolve("keystonelight.pid")).trim())
                    .isEqualTo(Long.toString(server.pid()));
        }
    }
}
