package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ChildProcess;
import io.keystonelight.support.ClientProcess;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.Needs;
import io.keystonelight.support.ServerProcess;

/**
 * What a new user meets first, through the packaged jar: the client's {@code compact} acting on
 * the server it names and reporting how it ended, a second server starting beside the first, and
 * start-ups that fail with a report that says why (an unknown setting, a folder the server may not
 * write) rather than a stack trace or silence.
 */
class FirstRunIT {

    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path folder;

    @Test
    void compactActsOnTheServerAtTheGivenPortNotTheOneInThePidFile(@TempDir Path other) throws IOException {
        try (ServerProcess named = ServerProcess.start(this.folder);
                ServerProcess asked = ServerProcess.start(other);
                LineClient client = asked.connect()) {
            for (int i = 0; i < 5; i++) {
                assertThat(client.call("set k v" + i)).isEqualTo("OK");
            }
            // Run where the first server's PID file is, naming the second server's port.
            ClientProcess run = ClientProcess.run(this.folder, "--port", Integer.toString(asked.port()), "compact");
            assertThat(run.exitStatus()).as(run.stderr()).isZero();
            assertThat(run.stdout()).startsWith("compacted: ").contains(", 1 live key,")
                    .contains("(sent the compact request: keystonelight.pid names process " + named.pid()
                            + ", not the server at that address (process " + asked.pid() + "))");
            assertThat(Files.readAllLines(other.resolve("db.txt"))).containsExactly("k|v4");
            assertThat(named.output()).doesNotContain("SIGUSR1");
            assertThat(named.isAlive()).isTrue();
        }
    }

    @Test
    void aFailedCompactionMakesTheClientExitNonZeroWithTheReason() throws Exception {
        Path disk = Files.createDirectories(this.folder.resolve("small-disk"));
        String failure = run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "keystonelight-test",
                disk.toString());
        Needs.require(failure == null, () -> "a 256k tmpfs cannot be mounted here (it needs root): " + failure);
        try {
            Files.write(disk.resolve("filler"), new byte[64 * 1024]);
            try (ServerProcess server = ServerProcess.start(this.folder,
                    "--keystonelight.storage.data-file=" + disk.resolve("db.txt"));
                    LineClient client = server.connect()) {
                String padding = "v".repeat(1000);
                for (int i = 0; i < 1000 && client.call("set full:" + i + " " + padding).equals("OK"); i++) {
                    // fill the disk until a write is refused
                }
                // The PID file is here and names this server: the client signals it and waits for the outcome.
                ClientProcess run = ClientProcess.run(this.folder, "--port", Integer.toString(server.port()),
                        "compact");
                assertThat(run.exitStatus()).as(run.stdout() + run.stderr()).isEqualTo(2);
                assertThat(run.stdout()).isEmpty();
                assertThat(run.stderr()).startsWith("keystonelight: compaction failed, the data file is unchanged: ")
                        .contains("No space left on device").contains("(SIGUSR1 to process " + server.pid())
                        .hasLineCount(1);
            }
        }
        finally {
            if (run("umount", disk.toString()) != null) {
                run("umount", "-l", disk.toString());
            }
        }
    }

    @Test
    void aSecondServerWithItsOwnTcpPortStartsWithoutBeingGivenAnHttpPort(@TempDir Path other) {
        int tcp = freePortPair();
        int http = 8080 + (tcp - 7878);
        try (ServerProcess first = ServerProcess.launchAsGiven(this.folder, "--keystonelight.server.port=" + tcp)
                .serving();
                ServerProcess second = ServerProcess.launchAsGiven(other, "--keystonelight.server.port=" + (tcp + 1))
                        .serving()) {
            assertThat(first.httpPort()).isEqualTo(http);
            assertThat(second.httpPort()).isEqualTo(http + 1);
        }
    }

    @Test
    void anHttpPortThatIsGivenAndTakenStopsTheStartNamingIt() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServerProcess server = ServerProcess.launchAsGiven(this.folder, "--keystonelight.server.port=0",
                    "--server.port=" + taken.getLocalPort());
            assertFailedToStart(server, "the HTTP port " + taken.getLocalPort() + " for health (Actuator) is already in use",
                    "--server.port=");
        }
    }

    @Test
    void aMisspeltSettingStopsTheStartNamingTheNearestRealOne() {
        ServerProcess server = ServerProcess.launch(this.folder, "serve", "--keystonelight.server.prot=7897");
        assertFailedToStart(server, "unknown setting --keystonelight.server.prot on the command line; did you mean "
                + "keystonelight.server.port?", "serve --help");
        assertThat(this.folder.resolve("keystonelight.pid")).doesNotExist();
    }

    @Test
    void aValueThatIsNoneOfTheChoicesStopsTheStartListingThemAsTheReadmeSpellsThem() {
        ServerProcess server = ServerProcess.launch(this.folder, "--keystonelight.storage.fsync=sometimes");
        assertFailedToStart(server, "keystonelight.storage.fsync is 'sometimes'", "Set keystonelight.storage.fsync to "
                + "one of: always, everysec, no");
        assertThat(server.output()).doesNotContain("No enum constant").doesNotContain("EVERYSEC");
    }

    @Test
    void serveHelpListsTheSettingsAndStartsNothing() {
        ServerProcess help = ServerProcess.launch(this.folder, "serve", "--help");
        assertThat(help.awaitExit(EXIT_TIMEOUT)).as(help.output()).isZero();
        assertThat(help.output()).startsWith("Usage: java -jar keystonelight.jar [serve]")
                .contains("keystonelight.server.port", "keystonelight.storage.fsync", "server.port")
                .doesNotContain("Starting KeystoneLightApplication");
        assertThat(this.folder.resolve("db.txt")).doesNotExist();
    }

    @Test
    void aFolderTheServerMayNotWriteStopsTheStartSayingSo() throws Exception {
        Needs.require(canRunAsNobody(), "needs root and setpriv to run the server as an unprivileged user (root may "
                + "write anywhere)");
        // A folder readable by all and writable by root alone, holding a copy of the jar.
        Files.setPosixFilePermissions(this.folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(ServerProcess.jar(), this.folder.resolve("keystonelight.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path readOnly = Files.createDirectories(this.folder.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        String output = runAsNobody(readOnly, jar);
        assertReport(output, "permission denied on " + readOnly.resolve("db.txt.lock") + " for the user nobody");

        // A writable folder, but a data file that belongs to root alone.
        Path shared = Files.createDirectories(this.folder.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(shared.resolve("db.txt"), "a|1\n");
        Files.setPosixFilePermissions(shared.resolve("db.txt"), PosixFilePermissions.fromString("rw-------"));
        output = runAsNobody(shared, jar);
        assertReport(output, "permission denied on " + shared.resolve("db.txt") + " for the user nobody");
    }

    @Test
    void theClientJarAloneLoadsAFractionOfTheClasses() {
        ClientProcess fat = ClientProcess.run(this.folder, List.of("-Xlog:class+load:file=fat.log"), "--version");
        Path clientJar = ServerProcess.jar().resolveSibling("keystonelight-client.jar");
        assertThat(clientJar).exists();
        ClientProcess thin = run(List.of("-Xlog:class+load:file=thin.log", "-jar", clientJar.toString(), "--version"));
        assertThat(fat.exitStatus()).isZero();
        assertThat(thin.exitStatus()).as(thin.stderr()).isZero();
        assertThat(thin.stdout()).isEqualTo(fat.stdout());
        long fatClasses = lines(this.folder.resolve("fat.log"));
        long thinClasses = lines(this.folder.resolve("thin.log"));
        System.out.printf("client --version: %d classes loaded through keystonelight.jar, %d through "
                + "keystonelight-client.jar (%d ms against %d ms here)%n", fatClasses, thinClasses,
                fat.took().toMillis(), thin.took().toMillis());
        assertThat(thinClasses).isLessThan(fatClasses * 2 / 3);
    }

    private ClientProcess run(List<String> javaArguments) {
        return ClientProcess.of(ChildProcess.java(javaArguments).in(this.folder).errorsApart()
                .run(Duration.ofSeconds(60)));
    }

    private static long lines(Path file) {
        try (var lines = Files.lines(file)) {
            return lines.count();
        }
        catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    private static void assertFailedToStart(ServerProcess server, String description, String action) {
        int status = server.awaitExit(EXIT_TIMEOUT);
        assertThat(status).as(server.output()).isNotZero();
        assertReport(server.output(), description);
        assertThat(server.output()).contains(action);
    }

    private static void assertReport(String output, String description) {
        assertThat(output).contains("APPLICATION FAILED TO START").contains(description);
        assertThat(Arrays.stream(output.split("\n")).filter(line -> line.startsWith("\tat ")))
                .as("stack trace lines in:%n%s", output).isEmpty();
    }

    /** Starts the jar in {@code folder} as the user nobody, waits for it to end, returns what it printed. */
    private static String runAsNobody(Path folder, Path jar) {
        ChildProcess.Finished run = ChildProcess.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1", "-jar",
                jar.toString(), "--keystonelight.server.port=0", "--server.port=0").in(folder).run(EXIT_TIMEOUT);
        assertThat(run.exitStatus()).as(run.text()).isNotZero();
        return run.text();
    }

    private static boolean canRunAsNobody() {
        return ChildProcess.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true")
                .problem(Duration.ofSeconds(30)) == null;
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... command) {
        return ChildProcess.of(command).problem(Duration.ofSeconds(30));
    }

    /**
     * A TCP port p, far from the usual ones, such that p and p + 1 are free, and so are the HTTP
     * ports that follow them (p + 202 and p + 203).
     */
    private static int freePortPair() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (free(port) && free(port + 1) && free(port + 202) && free(port + 203)) {
                return port;
            }
        }
        throw new IllegalStateException("no four free ports found between 20000 and 30203");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }
}
