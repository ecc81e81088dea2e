package io.keystonelight.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A disk that loses power: the FUSE file system of {@code src/test/fuse/powerloss_fs.c}, compiled
 * with gcc against libfuse3 on first use and mounted for a test. What is written through the
 * mount reaches the disk (a plain folder, {@link #disk()}) only when fsynced: a file's data and
 * size by an fsync of the file, names (creates, renames, unlinks) by an fsync of the folder. A
 * {@linkplain #powerCut power cut} drops everything else, optionally tearing the un-synced data
 * of each file at a page boundary. It can also fail fsyncs with {@code EIO} and fill up
 * ({@code ENOSPC}).
 *
 * <p>The layout under the base folder: {@code disk/} (what survives a power cut), {@code scratch/}
 * (what processes see, and durable contents not yet named), {@code mnt/} (the mount point).
 */
public final class PowerLossDisk implements AutoCloseable {

    /** The file system type in {@code /proc/self/mounts}. */
    static final String FS_TYPE = "fuse.keystonelight-powerloss";

    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

    private static String unavailable;

    private static boolean checked;

    private static Path binary;

    private final Path base;

    private final Process daemon;

    private final OutputStream commands;

    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private final StringBuffer log = new StringBuffer();

    private PowerLossDisk(Path base, Process daemon) {
        this.base = base;
        this.daemon = daemon;
        this.commands = daemon.getOutputStream();
        Thread pump = new Thread(this::pump, "powerloss-fs-" + daemon.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Why this file system cannot be mounted here, or {@code null} if it can: it needs Linux,
     * {@code /dev/fuse}, root (or {@code fusermount3}), gcc and libfuse3's headers, all of which
     * {@code .ci/run} installs where they are missing.
     */
    public static synchronized String unavailable() {
        if (!checked) {
            checked = true;
            unavailable = findWhyUnavailable();
        }
        return unavailable;
    }

    private static String findWhyUnavailable() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "the power-loss file system is a FUSE file system for Linux; this is " + System.getProperty("os.name");
        }
        Path fuse = Path.of("/dev/fuse");
        if (!Files.exists(fuse)) {
            return "/dev/fuse is missing: FUSE is not available here (a container needs --device /dev/fuse "
                    + "--cap-add SYS_ADMIN)";
        }
        if (!Files.isReadable(fuse) || !Files.isWritable(fuse)) {
            return "/dev/fuse cannot be opened by user " + System.getProperty("user.name");
        }
        if (!isRoot() && run(List.of("fusermount3", "-V")) != null) {
            return "mounting a FUSE file system needs root or fusermount3 (Debian package fuse3), and neither is here";
        }
        if (run(List.of("gcc", "--version")) != null) {
            return "gcc is missing: it compiles the power-loss file system (bash .ci/run installs it)";
        }
        if (run(List.of("pkg-config", "--exists", "fuse3")) != null) {
            return "libfuse3's headers are missing (Debian package libfuse3-dev; bash .ci/run installs it)";
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        }
        catch (IOException | UnsupportedOperationException ex) {
            return false;
        }
    }

    /** Runs a command to its end; null if it succeeded, else what went wrong. */
    private static String run(List<String> command) {
        return ChildProcess.of(command).problem(Duration.ofSeconds(60));
    }

    private static String output(List<String> command) {
        ChildProcess.Finished run = ChildProcess.of(command).run(Duration.ofSeconds(60));
        if (run.problem() != null) {
            throw new IllegalStateException(run.problem());
        }
        return run.text().trim();
    }

    /** The compiled file system, built from its source when missing or older than the source. */
    static synchronized Path binary() throws IOException {
        if (binary != null) {
            return binary;
        }
        Path source = Path.of(System.getProperty("keystonelight.powerloss.source", "src/test/fuse/powerloss_fs.c"))
                .toAbsolutePath();
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("the power-loss file system's source " + source + " is missing");
        }
        Path target = Path.of("target", "powerloss-fs").toAbsolutePath();
        Path built = target.resolve("powerloss-fs");
        if (!Files.isExecutable(built)
                || Files.getLastModifiedTime(built).compareTo(Files.getLastModifiedTime(source)) < 0) {
            Files.createDirectories(target);
            Path temp = Files.createTempFile(target, "powerloss-fs", ".tmp");
            List<String> gcc = new ArrayList<>(List.of("gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-o",
                    temp.toString(), source.toString()));
            gcc.addAll(List.of(output(List.of("pkg-config", "--cflags", "--libs", "fuse3")).split("\\s+")));
            String failure = run(gcc);
            if (failure != null) {
                Files.deleteIfExists(temp);
                throw new IllegalStateException("compiling the power-loss file system failed: " + failure);
            }
            Files.move(temp, built, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        binary = built;
        return binary;
    }

    /**
     * Mounts the file system at {@code base/mnt}, starting from what {@code base/disk} holds (empty
     * at first; after a power cut, what survived it). Mounts of this type left behind by a killed
     * run are unmounted first.
     */
    public static PowerLossDisk mount(Path baseFolder) throws IOException {
        Path base = baseFolder;
        String why = unavailable();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        Path program = binary();
        unmountLeftovers();
        for (String folder : List.of("disk", "scratch", "mnt")) {
            Files.createDirectories(base.resolve(folder));
        }
        base = base.toRealPath();
        Process process = new ProcessBuilder(program.toString(), base.resolve("disk").toString(),
                base.resolve("scratch").toString(), base.resolve("mnt").toString()).redirectErrorStream(true).start();
        PowerLossDisk disk = new PowerLossDisk(base, process);
        try {
            Files.writeString(base.resolve("powerloss-fs.pid"), Long.toString(process.pid()));
            String ready = disk.reply("mount");
            if (!ready.startsWith("ready")) {
                throw new IllegalStateException("the power-loss file system did not mount: " + ready + "\n" + disk.log());
            }
            if (!mountedAt(disk.folder())) {
                throw new IllegalStateException("the power-loss file system said it mounted, but "
                        + disk.folder() + " is not in /proc/self/mounts:\n" + disk.log());
            }
            return disk;
        }
        catch (RuntimeException ex) {
            disk.close();
            throw ex;
        }
    }

    /** The mount point: the folder to give the server. */
    public Path folder() {
        return this.base.resolve("mnt");
    }

    /** What a real disk would hold: a plain folder, read it once the power is cut. */
    public Path disk() {
        return this.base.resolve("disk");
    }

    /** Everything the file system printed. */
    public String log() {
        return this.log.toString();
    }

    /** The next {@code count} fsyncs (or fdatasyncs) of files fail with {@code EIO}. */
    public String failNextFsyncs(int count) {
        return command("fail-fsync " + count);
    }

    /** The disk holds at most {@code bytes} of file data; writes beyond get {@code ENOSPC}. */
    public String capacity(long bytes) {
        return command("capacity " + bytes);
    }

    public String noCapacityLimit() {
        return command("capacity none");
    }

    /** Counts of what the file system was asked to do. */
    public String stats() {
        return command("stats");
    }

    /**
     * Cuts the power: every operation on the file system stops where it is, what was not
     * durable is dropped (with {@code tearSeed} not null, a random page-aligned prefix of each
     * file's un-synced data persists instead), {@code server} is killed (it cannot end before the
     * file system does, its threads waiting in it), then the file system, and the mount is
     * removed. {@link #disk()} then holds what is left. Nothing may touch the mount between the
     * cut and the end of this method: it would wait for the file system forever.
     * @return what the file system dropped
     */
    public String powerCut(ServerProcess server, Long tearSeed) {
        String dropped = command(tearSeed == null ? "cut" : "cut-torn " + tearSeed);
        if (!dropped.startsWith("cut")) {
            throw new IllegalStateException("power cut refused: " + dropped);
        }
        if (server != null) {
            server.signal("KILL");
        }
        close();
        if (server != null) {
            server.awaitExit(Duration.ofSeconds(30));
        }
        return dropped;
    }

    private String command(String line) {
        if (!this.daemon.isAlive()) {
            throw new IllegalStateException("the power-loss file system has ended:\n" + log());
        }
        try {
            this.commands.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            this.commands.flush();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not send '" + line + "' to the power-loss file system", ex);
        }
        String reply = reply(line);
        if (reply.startsWith("error")) {
            throw new IllegalStateException("the power-loss file system refused '" + line + "': " + reply);
        }
        return reply;
    }

    private String reply(String what) {
        try {
            String reply = this.replies.poll(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply == null) {
                throw new IllegalStateException("the power-loss file system did not answer '" + what + "' within "
                        + REPLY_TIMEOUT + ":\n" + log());
            }
            if (reply.startsWith("exited")) {
                throw new IllegalStateException("the power-loss file system exited instead of answering '" + what
                        + "':\n" + log());
            }
            return reply;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(this.daemon.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                this.log.append(line).append('\n');
                if (line.startsWith("= ")) {
                    this.replies.add(line.substring(2));
                }
            }
        }
        catch (IOException ex) {
            // the process ended
        }
        this.replies.add("exited");
    }

    /** Kills the file system and removes the mount; safe to call more than once. */
    @Override
    public void close() {
        this.daemon.destroyForcibly();
        try {
            if (!this.daemon.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the power-loss file system (pid " + this.daemon.pid()
                        + ") did not end within 30 s of kill -9");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        unmount(folder());
    }

    private static void unmount(Path mountPoint) {
        if (!mountedAt(mountPoint)) {
            return;
        }
        String failure = isRoot() ? run(List.of("umount", "-l", mountPoint.toString()))
                : run(List.of("fusermount3", "-u", "-z", mountPoint.toString()));
        if (failure != null && mountedAt(mountPoint)) {
            throw new IllegalStateException("could not unmount the power-loss file system at " + mountPoint + ": "
                    + failure);
        }
    }

    /**
     * Unmounts mounts of this file system whose process is gone: left by a run that was killed
     * together with its file system. A live one (another run's) is left alone.
     */
    private static void unmountLeftovers() throws IOException {
        for (Path mountPoint : mountPoints()) {
            Path pidFile = mountPoint.resolveSibling("powerloss-fs.pid");
            boolean alive = false;
            try {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                        && Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).contains("powerloss-fs");
            }
            catch (IOException | NumberFormatException ex) {
                // No pid file, or no such process: the mount is stale.
            }
            if (!alive) {
                System.out.println("power-loss disk: unmounting " + mountPoint + ", left behind by a run that was "
                        + "killed");
                unmount(mountPoint);
            }
        }
    }

    private static boolean mountedAt(Path mountPoint) {
        try {
            return mountPoints().contains(mountPoint.toAbsolutePath());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static List<Path> mountPoints() throws IOException {
        List<Path> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[2].equals(FS_TYPE)) {
                found.add(Path.of(unescape(fields[1])));
            }
        }
        return found;
    }

    /** /proc/self/mounts writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            }
            else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
