package io.keystonelight.protocol.resp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The CPU time INFO's {@code cpu} section reports, in seconds, as Redis 7.0 does from
 * {@code getrusage}: the process's user and system time, its waited-for children's, and the
 * time of the threads that run commands (Redis's main thread; here the event loops, together).
 *
 * <p>On Linux the process's figures are read from {@code /proc/self/stat}, which splits user and
 * system time; elsewhere the JVM gives only their sum, reported as user time.
 */
final class CpuTimes {

    /** Linux reports {@code /proc} times in USER_HZ ticks, 100 a second on every architecture it runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private static final Path PROC_STAT = Path.of("/proc/self/stat");

    /** The threads whose time is the "main thread"'s: the event loops that execute requests. */
    private static final String COMMAND_THREAD_PREFIX = "event-loop";

    private CpuTimes() {
    }

    /** The six {@code used_cpu_*} fields of Redis 7.0, in its order, as {@code name:seconds} lines. */
    static void appendTo(StringBuilder info) {
        double[] process = processSeconds();
        double[] commandThreads = commandThreadSeconds();
        field(info, "used_cpu_sys", process[1]);
        field(info, "used_cpu_user", process[0]);
        field(info, "used_cpu_sys_children", process[3]);
        field(info, "used_cpu_user_children", process[2]);
        field(info, "used_cpu_sys_main_thread", commandThreads[1]);
        field(info, "used_cpu_user_main_thread", commandThreads[0]);
    }

    /** User, system, children's user, children's system time of this process, in seconds. */
    private static double[] processSeconds() {
        try {
            String stat = Files.readString(PROC_STAT, StandardCharsets.US_ASCII);
            // The command name, in parentheses, may hold spaces: the fields are counted after it.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            // After the name: state is field 3 of proc(5); utime, stime, cutime, cstime are 14 to 17.
            return new double[] { ticks(fields[11]), ticks(fields[12]), ticks(fields[13]), ticks(fields[14]) };
        }
        catch (IOException | RuntimeException notLinux) {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            long nanos = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
            return new double[] { Math.max(0, nanos) / 1e9, 0, 0, 0 };
        }
    }

    private static double ticks(String field) {
        return Long.parseLong(field) / TICKS_PER_SECOND;
    }

    /** User and system time of the event-loop threads together, in seconds. */
    private static double[] commandThreadSeconds() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            return new double[] { 0, 0 };
        }
        long user = 0;
        long cpu = 0;
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread == null || !thread.getThreadName().startsWith(COMMAND_THREAD_PREFIX)) {
                continue;
            }
            long threadUser = threads.getThreadUserTime(thread.getThreadId());
            long threadCpu = threads.getThreadCpuTime(thread.getThreadId());
            if (threadUser >= 0 && threadCpu >= 0) {
                user += threadUser;
                cpu += threadCpu;
            }
        }
        return new double[] { user / 1e9, Math.max(0, cpu - user) / 1e9 };
    }

    private static void field(StringBuilder info, String name, double seconds) {
        // Redis prints seconds with six decimals ("%ld.%06ld").
        info.append(name).append(':').append(String.format(Locale.ROOT, "%.6f", seconds)).append("\r\n");
    }
}
