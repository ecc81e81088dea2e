package io.keystonelight.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command run to its end within a time limit. Its output goes to files, not pipes, so that
 * the limit can fire while the child is still writing (a read of a pipe to its end would wait
 * for the child first) and a child filling one pipe cannot stall while the other is read.
 */
public final class ChildProcess {

    private final List<String> command;

    private Path directory;

    private final Map<String, String> environment = new HashMap<>();

    private byte[] input;

    private boolean errorsApart;

    private ChildProcess(List<String> command) {
        this.command = List.copyOf(command);
    }

    public static ChildProcess of(String... command) {
        return new ChildProcess(List.of(command));
    }

    public static ChildProcess of(List<String> command) {
        return new ChildProcess(command);
    }

    /** {@code java} of the JVM the tests run on, with {@code arguments}. */
    public static ChildProcess java(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        return new ChildProcess(command);
    }

    public ChildProcess in(Path folder) {
        this.directory = folder;
        return this;
    }

    /** Added to the environment this process has. */
    public ChildProcess environment(Map<String, String> variables) {
        this.environment.putAll(variables);
        return this;
    }

    public ChildProcess input(byte[] bytes) {
        this.input = bytes;
        return this;
    }

    /** Keeps stderr apart from stdout (by default they are one stream, in the order printed). */
    public ChildProcess errorsApart() {
        this.errorsApart = true;
        return this;
    }

    /**
     * Runs the command; a child still running after {@code limit} is killed and the test fails,
     * naming the command and what it printed.
     * @throws UncheckedIOException where the command cannot be started at all
     */
    public Finished run(Duration limit) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("child", ".out");
            err = Files.createTempFile("child", ".err");
            ProcessBuilder builder = new ProcessBuilder(this.command).redirectOutput(out.toFile());
            if (this.errorsApart) {
                builder.redirectError(err.toFile());
            }
            else {
                builder.redirectErrorStream(true);
            }
            if (this.directory != null) {
                builder.directory(this.directory.toFile());
            }
            builder.environment().putAll(this.environment);
            long started = System.nanoTime();
            Process process = builder.start();
            try (var stdin = process.getOutputStream()) {
                if (this.input != null) {
                    stdin.write(this.input);
                }
            }
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", this.command) + " did not finish within " + limit.toSeconds()
                        + " s; it printed:\n" + Files.readString(out, StandardCharsets.UTF_8)
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Finished(this.command, process.exitValue(), Files.readAllBytes(out), Files.readAllBytes(err),
                    Duration.ofNanos(System.nanoTime() - started));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(String.join(" ", this.command) + " could not be run: " + ex.getMessage(),
                    ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while " + String.join(" ", this.command) + " ran", ex);
        }
        finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Runs the command; {@code null} where it ran and exited 0, else what went wrong. */
    public String problem(Duration limit) {
        try {
            return run(limit).problem();
        }
        catch (UncheckedIOException ex) {
            return ex.getMessage();
        }
        catch (AssertionError ex) {
            return ex.getMessage();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            }
            catch (IOException ex) {
                // a temporary file left behind harms nothing
            }
        }
    }

    /**
     * A command that ran to its end.
     * @param output stdout, with stderr in it unless it was kept apart
     * @param errors stderr where it was kept apart, else empty
     */
    public record Finished(List<String> command, int exitStatus, byte[] output, byte[] errors, Duration took) {

        public String text() {
            return new String(this.output, StandardCharsets.UTF_8);
        }

        public String errorText() {
            return new String(this.errors, StandardCharsets.UTF_8);
        }

        /** {@code null} where it exited 0, else the command, its exit status and what it printed. */
        public String problem() {
            return this.exitStatus == 0 ? null
                    : String.join(" ", this.command) + " exited with " + this.exitStatus + ": " + text().strip()
                            + errorText().strip();
        }
    }
}
