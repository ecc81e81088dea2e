package io.keystonelight.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;


/**
 * A real {@code redis-server} in a folder of its own, to compare replies with. Tests that use it
 * are skipped, saying why, when redis-server is not installed ({@code .ci/run} installs it).
 */
public final class RedisServerProcess implements AutoCloseable {

    private final Process process;

    private final int port;

    private RedisServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static boolean installed() {
        return executable("redis-server") != null;
    }

    /** The path of {@code name} on the PATH, or {@code null}. */
    public static Path executable(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Starts redis-server without persistence, or skips the test if it is not installed. */
    public static RedisServerProcess start(Path folder) {
        Needs.require(installed(), "redis-server is not installed (apt-get install redis-server; .ci/run "
                + "installs it), so nothing is compared with Redis");
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            try {
                Process process = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind",
                        "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder.toString(), "--daemonize",
                        "no", "--logfile", folder.resolve("redis.log").toString()))
                        .redirectErrorStream(true).redirectOutput(folder.resolve("redis.out").toFile()).start();
                RedisServerProcess redis = new RedisServerProcess(process, port);
                if (redis.awaitPong(Duration.ofSeconds(30))) {
                    return redis;
                }
                redis.close();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        throw new IllegalStateException("redis-server did not start; see " + folder.resolve("redis.log"));
    }

    private boolean awaitPong(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && this.process.isAlive()) {
            try (RespConnection connection = RespConnection.connect(this.port)) {
                if (connection.call("PING").equals("+PONG\r\n")) {
                    return true;
                }
            }
            catch (UncheckedIOException ex) {
                // not listening yet
            }
            try {
                this.process.waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * Below the ephemeral range: a port found free there is not taken as the source port of an
     * outgoing connection before redis-server binds it.
     */
    private static int freePort() {
        return FreePorts.belowEphemeralRange();
    }

    public int port() {
        return this.port;
    }

    @Override
    public void close() {
        this.process.destroy();
        try {
            if (!this.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                this.process.destroyForcibly();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.process.destroyForcibly();
        }
    }
}
