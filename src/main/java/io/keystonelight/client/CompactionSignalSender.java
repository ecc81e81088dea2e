package io.keystonelight.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Asks a server on this machine to compact the way an operator would: {@code kill -USR1} to the
 * process in its PID file. Java itself can only send TERM and KILL, hence the {@code kill} command.
 *
 * <p>SIGUSR1 ends any process that does not handle it, so the signal is sent only to a live
 * process that runs the KeystoneLight jar or main class: a PID file left by a crash may name a
 * process id that the system has since given to something else.
 */
final class CompactionSignalSender {

    private static final long KILL_TIMEOUT_SECONDS = 5;

    /** Named, not referenced: the client loads nothing of the server. */
    private static final String MAIN_CLASS = "io.keystonelight.KeystoneLightApplication";

    /**
     * @param pid the process signalled, when {@code sent}
     * @param whyNot why no signal was sent, when not {@code sent}
     */
    record Outcome(boolean sent, long pid, String whyNot) {

        static Outcome notSent(String why) {
            return new Outcome(false, -1, why);
        }
    }

    private CompactionSignalSender() {
    }

    /**
     * Sends SIGUSR1 to the process in {@code pidFile} if it is {@code serverPid}, the process
     * that the server at the address the client was given says it is: a PID file of another
     * server on this machine is left alone.
     */
    static Outcome send(String host, Path pidFile, long serverPid) {
        if (!isThisMachine(host)) {
            return Outcome.notSent("the server at " + host + " is not on this machine");
        }
        long pid;
        try {
            String content = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
            pid = Long.parseLong(content);
        }
        catch (NoSuchFileException ex) {
            return Outcome.notSent("no PID file at " + pidFile);
        }
        catch (IOException | NumberFormatException ex) {
            return Outcome.notSent("the PID file " + pidFile + " does not hold a process id");
        }
        if (pid != serverPid) {
            return Outcome.notSent(pidFile + " names process " + pid + ", not the server at that address (process "
                    + serverPid + ")");
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return Outcome.notSent("process " + pid + " from " + pidFile + " is not running");
        }
        if (!runsKeystoneLight(arguments(process.get()))) {
            return Outcome.notSent("process " + pid + " from " + pidFile + " is not recognisably a KeystoneLight "
                    + "server");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                return Outcome.notSent("kill -USR1 " + pid + " did not finish");
            }
            if (kill.exitValue() != 0) {
                return Outcome.notSent("kill -USR1 " + pid + " failed with exit status " + kill.exitValue());
            }
            return new Outcome(true, pid, null);
        }
        catch (IOException ex) {
            return Outcome.notSent("the kill command is not available (" + ex.getMessage() + ")");
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Outcome.notSent("interrupted while sending the signal");
        }
    }

    /**
     * Whether the process runs the server: from the jar ({@code java -jar keystonelight.jar}) or
     * from its main class ({@code mvn spring-boot:run}). A renamed jar is not recognised, and
     * gets the compact request instead.
     */
    static boolean runsKeystoneLight(ProcessHandle.Info process) {
        return runsKeystoneLight(process.arguments().orElse(new String[0]));
    }

    static boolean runsKeystoneLight(String[] arguments) {
        for (String argument : arguments) {
            String name = argument.substring(argument.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
            if (argument.equals(MAIN_CLASS) || (name.startsWith("keystonelight") && name.endsWith(".jar"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The process's arguments. The JDK gives none on Linux when the command line is longer than
     * 4096 bytes, as under {@code mvn spring-boot:run} with its long class path: they are then
     * read from {@code /proc} directly.
     */
    static String[] arguments(ProcessHandle process) {
        Optional<String[]> known = process.info().arguments();
        if (known.isPresent()) {
            return known.get();
        }
        try {
            byte[] commandLine = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(commandLine, StandardCharsets.UTF_8).split("\0");
        }
        catch (IOException ex) {
            return new String[0];
        }
    }

    /** Whether {@code host} names this machine, so that its PID file may be ours to read. */
    static boolean isThisMachine(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || address.isAnyLocalAddress()
                    || NetworkInterface.getByInetAddress(address) != null;
        }
        catch (IOException ex) {
            // An unknown host is not this machine; connecting to it will report the problem.
            return false;
        }
    }
}
