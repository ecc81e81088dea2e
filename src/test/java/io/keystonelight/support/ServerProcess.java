package io.keystonelight.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The packaged jar running as a separate process in a folder of its own, as a user runs it.
 * Ports are chosen by the server (port 0) and read from its start-up line.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Pattern SERVING = Pattern
            .compile("KeystoneLight is serving on ([^ ]+):(\\d+) .*health on HTTP port (-?\\d+)");

    /**
     * A bound on a start that hangs, not a goal for a start (3.5 s on a quiet machine): three
     * nodes launched at once took up to 50 s to serve at load 28 on two cores.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;

    private final Path folder;

    private final StringBuffer output = new StringBuffer();

    private final CompletableFuture<Matcher> serving = new CompletableFuture<>();

    private final Thread pump;

    private ServerProcess(Process process, Path folder) {
        this.process = process;
        this.folder = folder;
        this.pump = new Thread(this::pumpOutput, "server-output-" + process.pid());
        this.pump.setDaemon(true);
        this.pump.start();
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("keystonelight.jar", "target/keystonelight.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the packaged jar " + jar + " is missing: run ./mvnw package first");
        }
        return jar;
    }

    /** Starts the server in {@code folder} and waits until it serves. */
    public static ServerProcess start(Path folder, String... settings) {
        return launch(folder, settings).serving();
    }

    /**
     * As {@link #start(Path, String...)}, with the optimising compiler as well as the quick one,
     * as in production: for tests of races that only its reordering can expose.
     */
    public static ServerProcess startWithFullJit(Path folder, String... settings) {
        return launch(folder, true, Jit.FULL, settings).serving();
    }

    /** Starts the jar in {@code folder} without waiting for anything. */
    public static ServerProcess launch(Path folder, String... arguments) {
        return launch(folder, true, Jit.QUICK, arguments);
    }

    /**
     * Starts the jar in {@code folder} with exactly {@code arguments}: no free ports are chosen
     * for it, so it uses the ports they and the defaults give.
     */
    public static ServerProcess launchAsGiven(Path folder, String... arguments) {
        return launch(folder, false, Jit.QUICK, arguments);
    }

    /** Waits until the server serves; returns it. */
    public ServerProcess serving() {
        try {
            awaitServing();
        }
        catch (RuntimeException ex) {
            // The caller never gets the process to close: end it here rather than leave it running.
            close();
            throw ex;
        }
        return this;
    }

    /** Which JIT compilers the server runs with. */
    private enum Jit {
        /**
         * The quick compiler only, and the serial collector: starts take about half as long, and
         * tests start many servers.
         */
        QUICK,
        FULL
    }

    private static ServerProcess launch(Path folder, boolean freePorts, Jit jit, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        if (jit == Jit.QUICK) {
            command.add("-XX:TieredStopAtLevel=1");
            // One GC thread instead of G1's: a start took 10 % less CPU (2.2-2.4 s against 2.5-2.7
            // on a slow hour), and the integration tests, two at a time, are bound by CPU.
            command.add("-XX:+UseSerialGC");
        }
        // The extracted jar with its class data sharing archive: starts take about half as long.
        command.addAll(ServerJar.javaArguments());
        // Spring joins a setting given twice into one comma-separated value: add a default only
        // where the caller gave none.
        for (String fallback : freePorts ? List.of("--keystonelight.server.port=0", "--server.port=0")
                : List.<String>of()) {
            String name = fallback.substring(0, fallback.indexOf('=') + 1);
            if (Stream.of(arguments).noneMatch(argument -> argument.startsWith(name))) {
                command.add(fallback);
            }
        }
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                    .start();
            return new ServerProcess(process, folder);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void pumpOutput() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                this.output.append(line).append('\n');
                Matcher matcher = SERVING.matcher(line);
                if (matcher.find()) {
                    this.serving.complete(matcher);
                }
            }
        }
        catch (IOException ex) {
            // the process ended
        }
        this.serving.completeExceptionally(new IllegalStateException("server exited before serving:\n" + output()));
    }

    private Matcher awaitServing() {
        return awaitServing(START_TIMEOUT);
    }

    /** Waits until the server serves, up to {@code timeout} (several servers starting at once take longer). */
    public Matcher awaitServing(Duration timeout) {
        try {
            return this.serving.get(timeout.toSeconds(), TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        catch (ExecutionException ex) {
            throw new IllegalStateException(ex.getCause().getMessage(), ex.getCause());
        }
        catch (TimeoutException ex) {
            throw new IllegalStateException("server did not serve within " + timeout + ":\n" + output(), ex);
        }
    }

    public int port() {
        return Integer.parseInt(awaitServing().group(2));
    }

    public int httpPort() {
        return Integer.parseInt(awaitServing().group(3));
    }

    public long pid() {
        return this.process.pid();
    }

    public Path folder() {
        return this.folder;
    }

    public LineClient connect() {
        return LineClient.connect(port());
    }

    /** Everything the process printed so far. */
    public String output() {
        return this.output.toString();
    }

    /**
     * Waits until the output holds {@code text}, up to {@code timeout}, and returns the output. A
     * line the server logged before it answered a client can still be on its way here, through
     * the pipe and this side's reader thread, when the client has the answer.
     */
    public String awaitOutput(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String now = output();
        while (!now.contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line with '" + text + "' in the server's output within " + timeout
                        + "; it printed:\n" + now);
            }
            try {
                // Polls the output, the thing awaited.
                Thread.sleep(20);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            now = output();
        }
        return now;
    }

    /** Sends a signal by name ({@code USR1}, {@code TERM}) with the system's {@code kill}. */
    public void signal(String name) {
        String problem = ChildProcess.of("kill", "-" + name, Long.toString(pid())).problem(Duration.ofSeconds(10));
        if (problem != null) {
            throw new IllegalStateException("could not signal the server: " + problem);
        }
    }

    /** kill -9: the process ends at once, with no shutdown of any kind. */
    public void kill9() {
        this.process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Waits for the process to end and returns its exit status. */
    public int awaitExit(Duration timeout) {
        try {
            if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("server still running after " + timeout + ":\n" + output());
            }
            // Let the output pump read the last lines.
            this.pump.join(timeout.toMillis());
            return this.process.exitValue();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    public boolean isAlive() {
        return this.process.isAlive();
    }

    @Override
    public void close() {
        if (this.process.isAlive()) {
            this.process.destroyForcibly();
            try {
                this.process.waitFor(30, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
