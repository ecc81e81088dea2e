package io.keystonelight.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged jar run as the command-line client, as a user or a script runs it.
 *
 * @param exitStatus the process's exit status
 * @param stdout everything it printed on stdout
 * @param stderr everything it printed on stderr
 * @param took from start to exit
 */
public record ClientProcess(int exitStatus, String stdout, String stderr, Duration took) {

    /** Runs {@code java [jvmOptions] -jar keystonelight.jar arguments} in {@code folder}. */
    public static ClientProcess run(Path folder, List<String> jvmOptions, String... arguments) {
        return run(folder, Map.of(), jvmOptions, arguments);
    }

    /** As {@link #run(Path, List, String...)}, with {@code environment} added to this process's. */
    public static ClientProcess run(Path folder, Map<String, String> environment, List<String> jvmOptions,
            String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(ServerProcess.jar().toString());
        command.addAll(List.of(arguments));
        try {
            Path out = Files.createTempFile(folder, "client", ".out");
            Path err = Files.createTempFile(folder, "client", ".err");
            long started = System.nanoTime();
            ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the client did not finish within 60 s: " + command);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            ClientProcess result = new ClientProcess(process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8), took);
            Files.delete(out);
            Files.delete(err);
            return result;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    public static ClientProcess run(Path folder, String... arguments) {
        return run(folder, List.of(), arguments);
    }
}
