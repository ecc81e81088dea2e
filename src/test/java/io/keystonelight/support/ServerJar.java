package io.keystonelight.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * How the tests run the packaged server: from the jar extracted beside it, with a class data
 * sharing archive recorded by one training start, as Spring Boot advises for a fast start. Both
 * are made once per packaged jar (the first server a test run starts pays for it) and kept in
 * {@code target/} for every later test run on the same jar. Where either cannot be made, the
 * servers run from the packaged jar as before, and the reason is printed once.
 */
public final class ServerJar {

    /** A training start that does not serve within this long is given up: the jar is used as it is. */
    private static final long TRAINING_SECONDS = 120;

    private static List<String> launch;

    private ServerJar() {
    }

    /** The JVM options and {@code -jar} argument that start the server, after {@code java}. */
    public static synchronized List<String> javaArguments() {
        if (launch == null) {
            launch = prepare(ServerProcess.jar());
        }
        return launch;
    }

    private static List<String> prepare(Path jar) {
        Path folder = jar.resolveSibling("server-for-tests");
        Path extracted = folder.resolve(jar.getFileName());
        Path archive = folder.resolve("server.jsa");
        Path stamp = folder.resolve("made-from");
        try {
            Files.createDirectories(folder);
            // Surefire's and failsafe's JVMs may both get here; one makes it, the other waits.
            try (FileChannel lockFile = FileChannel.open(folder.resolveSibling("server-for-tests.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                String madeFrom = describe(jar);
                boolean current = Files.isRegularFile(archive) && Files.isRegularFile(stamp)
                        && Files.readString(stamp, StandardCharsets.UTF_8).equals(madeFrom);
                if (!current) {
                    deleteContents(folder);
                    run(List.of(java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination",
                            folder.toString()), folder, "extracting " + jar);
                    train(extracted, archive);
                    Files.writeString(stamp, madeFrom, StandardCharsets.UTF_8);
                }
            }
            return List.of("-XX:SharedArchiveFile=" + archive, "-jar", extracted.toString());
        }
        catch (IOException | RuntimeException ex) {
            System.err.println("Test servers start from " + jar + " without a class data sharing archive: "
                    + ex.getMessage());
            return List.of("-jar", jar.toString());
        }
    }

    /** One start that completes and is stopped: the classes it loaded go into the archive at its exit. */
    private static void train(Path extracted, Path archive) throws IOException {
        Path work = Files.createTempDirectory("keystonelight-training");
        StringBuffer output = new StringBuffer();
        CompletableFuture<Void> serving = new CompletableFuture<>();
        Process server = new ProcessBuilder(java(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-XX:ArchiveClassesAtExit=" + archive, "-jar", extracted.toString(), "--keystonelight.server.port=0",
                "--server.port=0").directory(work.toFile()).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.append(line).append('\n');
                    // The whole start, not just the announcement: Actuator's classes load after it.
                    if (line.contains("Started KeystoneLightApplication")) {
                        serving.complete(null);
                    }
                }
            }
            catch (IOException ex) {
                // the process ended
            }
            serving.completeExceptionally(new IOException("the training start exited before serving"));
        }, "training-output");
        reader.setDaemon(true);
        reader.start();
        try {
            serving.get(TRAINING_SECONDS, TimeUnit.SECONDS);
            // SIGTERM: the server shuts down cleanly and the JVM writes the archive as it exits.
            server.destroy();
            if (!server.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS) || !Files.isRegularFile(archive)) {
                throw new IOException("the training start wrote no archive " + archive + " within "
                        + TRAINING_SECONDS + " s of its stop: " + tail(output));
            }
        }
        catch (ExecutionException | TimeoutException ex) {
            throw new IOException("the training start did not serve within " + TRAINING_SECONDS + " s: "
                    + tail(output), ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the training start ran", ex);
        }
        finally {
            server.destroyForcibly();
            deleteContents(work);
            Files.deleteIfExists(work);
        }
    }

    private static void run(List<String> command, Path folder, String what) throws IOException {
        try {
            Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(what + " failed: " + output);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, ex);
        }
    }

    /** Size and modification time: a new package of the jar makes a new archive. */
    private static String describe(Path jar) throws IOException {
        FileTime modified = Files.getLastModifiedTime(jar);
        return Files.size(jar) + " bytes, modified " + modified + ", run by " + java();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String tail(CharSequence output) {
        String text = output.toString();
        return text.substring(Math.max(0, text.length() - 2000));
    }

    private static void deleteContents(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path path : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                if (!path.equals(folder)) {
                    Files.delete(path);
                }
            }
        }
    }
}
