package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ChildProcess;
import io.keystonelight.support.Needs;
import io.keystonelight.support.ServerProcess;

/**
 * Runs the README's own shell blocks, as a new user pastes them, so that the README and the
 * product cannot disagree unnoticed: every {@code sh} block must run without a failing command,
 * and every {@code console} block must print what the README shows after each {@code $} line
 * ({@code ...} in a shown line stands for any text: process ids, sizes, times).
 *
 * <p>The blocks run in their README order in a fresh folder with {@code target/keystonelight.jar},
 * in network, process and mount namespaces of their own: the README's ports (7878, 7879, 8080,
 * 8081) are used as written without touching anyone else's, and every process a block leaves
 * running ends with its namespace. A block that starts a server in the background begins a new
 * folder and namespace, as a new terminal would; the blocks after it run against its servers.
 *
 * <p>{@code ./mvnw spring-boot:run} runs as {@code java -jar target/keystonelight.jar}, which
 * serves the same. Not run, and printed as skipped: blocks that run {@code ./mvnw} otherwise (this
 * test runs inside {@code ./mvnw verify}), and the Docker and benchmark blocks.
 */
class ReadmeIT {

    private static final Pattern SERVER_IN_BACKGROUND = Pattern
            .compile("(?m)^java -jar target/keystonelight\\.jar(\\s+serve)?(\\s+--[a-z.-]+=\\S+)*\\s*&\\s*$");

    private static final Pattern REPLY = Pattern.compile("^(OK|VALUE|NOT_FOUND|DELETED|PONG|ERR|COMPACT)\\b.*");

    private static final Pattern LOG_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT.*");

    private static final long SESSION_TIMEOUT_SECONDS = 300;

    @TempDir
    Path work;

    /** A fenced block of the README, with its line number and the section it is in. */
    record Block(String language, int line, String section, List<String> lines) {

        /**
         * {@code ./mvnw spring-boot:run} serves as the packaged jar does (the README says so); run
         * inside {@code ./mvnw verify} it would compile into the build's own target folder.
         */
        Block asRun() {
            return new Block(this.language, this.line, this.section, this.lines.stream()
                    .map(line -> line.replace("./mvnw spring-boot:run", "java -jar target/keystonelight.jar")).toList());
        }

        String text() {
            return String.join("\n", this.lines);
        }

        /** The block without its comments and line continuations, for telling what it does. */
        String commands() {
            return this.text().replace("\\\n", " ").lines().map(ReadmeIT::withoutComment)
                    .collect(Collectors.joining("\n"));
        }
    }

    @Test
    void everyShellBlockOfTheReadmeRunsAsWrittenAndPrintsWhatItShows() throws Exception {
        Needs.require(namespacesWork(), "needs root to run the README's blocks in namespaces of their own (unshare), "
                + "plus ip and nc (netcat-openbsd); .ci/run installs them");
        List<Block> blocks = readmeBlocks(Path.of("README.md"));
        assertThat(blocks).as("shell blocks in the README").isNotEmpty();

        List<List<Block>> sessions = new ArrayList<>();
        for (Block written : blocks) {
            Block block = written.asRun();
            String skip = whySkipped(block);
            if (skip != null) {
                System.out.printf("README line %d (%s): skipped, %s%n", block.line(), block.section(), skip);
                continue;
            }
            if (sessions.isEmpty() || SERVER_IN_BACKGROUND.matcher(block.commands()).find()) {
                sessions.add(new ArrayList<>());
            }
            sessions.get(sessions.size() - 1).add(block);
        }
        assertThat(sessions).as("sessions").isNotEmpty();
        int number = 0;
        for (List<Block> session : sessions) {
            runSession(++number, session);
        }
    }

    private void runSession(int number, List<Block> session) throws Exception {
        Path folder = Files.createDirectories(this.work.resolve("session" + number));
        // The build's target folder, with keystonelight.jar and keystonelight-client.jar.
        Files.createSymbolicLink(folder.resolve("target"), ServerProcess.jar().getParent());
        Path outputs = Files.createDirectories(this.work.resolve("outputs" + number));

        StringBuilder script = new StringBuilder();
        script.append("ip link set lo up\n");
        // JVMs of other process namespaces may have the same small process ids: a private folder
        // for their performance-data files keeps the JVM from warning about a locked one.
        script.append("mkdir -p /tmp/hsperfdata_$(id -un) && mount -t tmpfs keystonelight-readme "
                + "/tmp/hsperfdata_$(id -un)\n");
        script.append("cd '").append(folder).append("'\n");
        List<Runnable> checks = new ArrayList<>();
        int step = 0;
        for (Block block : session) {
            if (block.language().equals("sh")) {
                Path out = outputs.resolve(++step + ".out");
                Path status = outputs.resolve(step + ".status");
                // As pasted, but stopping at the first failing command, whose status is kept.
                script.append("( set -e\n").append(block.text()).append("\n) > '").append(out).append("' 2>&1; echo $? > '")
                        .append(status).append("'\n");
                checks.add(() -> {
                    assertThat(read(status).strip()).as("exit status of the block at README line %d (%s); it printed:%n%s",
                            block.line(), block.section(), withoutLogLines(read(out))).isEqualTo("0");
                });
                if (block.section().equals("A walk-through")) {
                    checks.add(() -> checkWalkThrough(folder, withoutLogLines(read(out))));
                }
            }
            else {
                step = console(block, script, outputs, step, checks);
            }
        }
        Path scriptFile = this.work.resolve("session" + number + ".sh");
        Files.writeString(scriptFile, script.toString());

        ProcessBuilder builder = new ProcessBuilder("unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc",
                "bash", scriptFile.toString()).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(this.work.resolve("session" + number + ".log").toFile());
        String path = Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv().getOrDefault("PATH",
                "/usr/bin:/bin");
        builder.environment().put("PATH", path);
        long started = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(SESSION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            // --kill-child: the namespace's first process, and with it every other one, ends too.
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroyForcibly();
            throw new AssertionError("README session " + number + " did not finish within " + SESSION_TIMEOUT_SECONDS
                    + " s; its log:\n" + read(this.work.resolve("session" + number + ".log")));
        }
        System.out.printf("README session %d: %d block(s) from line %d, %d ms%n", number, session.size(),
                session.get(0).line(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertThat(process.exitValue()).as("the session's shell").isZero();
        for (Runnable check : checks) {
            check.run();
        }
    }

    /**
     * Each {@code $} line runs on its own, its output (stdout and stderr) compared with the lines
     * the README shows after it. {@code $ nc HOST PORT} is a typed session: the lines that are not
     * replies are sent, and the replies must come back.
     */
    private static int console(Block block, StringBuilder script, Path outputs, int step, List<Runnable> checks) {
        List<String> lines = block.lines();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            assertThat(line).as("README line %d: a console block starts each command with '$ '", block.line() + 1 + i)
                    .startsWith("$ ");
            String command = line.substring(2);
            int commandLine = block.line() + 1 + i;
            List<String> shown = new ArrayList<>();
            i++;
            while (i < lines.size() && !lines.get(i).startsWith("$ ")) {
                shown.add(lines.get(i));
                i++;
            }
            List<String> expected = shown;
            if (command.matches("nc \\S+ \\d+")) {
                List<String> requests = shown.stream().filter(l -> !REPLY.matcher(l).matches()).toList();
                expected = shown.stream().filter(l -> REPLY.matcher(l).matches()).toList();
                StringBuilder input = new StringBuilder();
                for (String request : requests) {
                    input.append(request).append('\n');
                }
                command = "printf '%s' '" + input.toString().replace("'", "'\\''") + "' | nc -N "
                        + command.substring(3);
            }
            Path out = outputs.resolve(++step + ".out");
            script.append("{ ").append(command).append("\n} > '").append(out).append("' 2>&1\n");
            List<String> want = expected;
            String shownCommand = line;
            checks.add(() -> {
                List<String> got = read(out).replace("\r\n", "\n").lines().toList();
                assertThat(matches(want, got)).as("README line %d: %s%nshown:%n%s%nprinted:%n%s", commandLine,
                        shownCommand, String.join("\n", want), String.join("\n", got)).isTrue();
            });
        }
        return step;
    }

    private static void checkWalkThrough(Path folder, String printed) {
        assertThat(printed).as("the walk-through's three gets").contains("Ada Lovelace\n36\nLondon\n");
        List<String> dataFile;
        try {
            dataFile = Files.readAllLines(folder.resolve("db.txt"));
        }
        catch (IOException ex) {
            throw new AssertionError(ex);
        }
        // The last command printed the compacted file; the server ended with the namespace after it.
        assertThat(dataFile).as("db.txt after the walk-through's compaction")
                .containsExactlyInAnyOrder("name|Ada Lovelace", "age|36", "city|London");
        assertThat(printed).contains("compacted: ");
    }

    /** Shown lines against printed ones; {@code ...} in a shown line matches any text. */
    static boolean matches(List<String> shown, List<String> printed) {
        if (shown.size() != printed.size()) {
            return false;
        }
        for (int i = 0; i < shown.size(); i++) {
            String shownLine = withoutComment(shown.get(i));
            String[] parts = shownLine.split("\\.\\.\\.", -1);
            StringBuilder regex = new StringBuilder();
            for (int p = 0; p < parts.length; p++) {
                if (p > 0) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(parts[p]));
            }
            if (!printed.get(i).strip().matches(regex.toString().strip())) {
                return false;
            }
        }
        return true;
    }

    private static String whySkipped(Block block) {
        String commands = block.commands();
        if (commands.contains("./mvnw")) {
            return "it runs ./mvnw other than spring-boot:run (this test runs inside ./mvnw verify)";
        }
        if (commands.contains("docker ")) {
            return "a Docker block (the image has its own test)";
        }
        if (commands.contains("bench/")) {
            return "a benchmark block (not part of verify)";
        }
        return null;
    }

    static List<Block> readmeBlocks(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
            }
            if (!line.startsWith("```")) {
                continue;
            }
            String language = line.substring(3).strip();
            int start = i;
            List<String> body = new ArrayList<>();
            for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                body.add(lines.get(i));
            }
            if (language.equals("sh") || language.equals("console")) {
                blocks.add(new Block(language, start + 1, section, body));
            }
        }
        return blocks;
    }

    /** A shell line without its trailing {@code # comment} (a {@code #} after a space, outside quotes). */
    static String withoutComment(String line) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' && !dbl) {
                single = !single;
            }
            else if (c == '"' && !single) {
                dbl = !dbl;
            }
            else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line;
    }

    private static String withoutLogLines(String output) {
        return output.lines().filter(line -> !LOG_LINE.matcher(line).matches() && !line.startsWith("\t"))
                .collect(Collectors.joining("\n", "", "\n"));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        }
        catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    /** Whether this machine lets us run a shell in namespaces of its own, with a loopback and nc. */
    private static boolean namespacesWork() {
        return ChildProcess.of("unshare", "--net", "--pid", "--fork", "--mount-proc", "bash", "-c",
                "ip link set lo up && command -v nc >/dev/null && nc -h 2>&1 | grep -q -- -N")
                .problem(Duration.ofSeconds(30)) == null;
    }
}
