/*
 * Where a JFR recording of the server spent its time: the hottest frames, the busiest threads,
 * what was allocated, where threads parked, and the GC. JDK 17's `jfr` tool has no `view`
 * command, so this aggregates the events itself.
 *
 *   java bench/JfrSummary.java recording.jfr [--top 20]
 */

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

public final class JfrSummary {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: java bench/JfrSummary.java recording.jfr [--top 20]");
            System.exit(2);
        }
        int top = args.length >= 3 && args[1].equals("--top") ? Integer.parseInt(args[2]) : 20;
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));

        Tally selfFrames = new Tally();
        Tally anywhere = new Tally();
        Tally threads = new Tally();
        Tally areas = new Tally();
        Tally callers = new Tally();
        Tally allocatedClasses = new Tally();
        Tally allocatingFrames = new Tally();
        Tally parkSites = new Tally();
        Tally parkNanos = new Tally();
        Tally nativeFrames = new Tally();
        long samples = 0;
        long nativeSamples = 0;
        long gcCount = 0;
        Duration gcPauses = Duration.ZERO;
        double cpuUser = 0;
        double cpuSystem = 0;
        double machine = 0;
        long cpuReadings = 0;
        double switchesPerSecond = 0;
        long switchReadings = 0;

        for (RecordedEvent event : events) {
            String type = event.getEventType().getName();
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    List<RecordedFrame> frames = stack.getFrames();
                    selfFrames.add(method(frames.get(0)), 1);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame frame : frames) {
                        if (seen.add(method(frame))) {
                            anywhere.add(method(frame), 1);
                        }
                    }
                    threads.add(threadGroup(event.getThread("sampledThread")), 1);
                    areas.add(area(frames), 1);
                    callers.add(firstCaller(frames), 1);
                }
                case "jdk.NativeMethodSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack != null && !stack.getFrames().isEmpty()) {
                        nativeSamples++;
                        nativeFrames.add(method(stack.getFrames().get(0)) + "  <- "
                                + firstCaller(stack.getFrames()), 1);
                    }
                }
                case "jdk.ObjectAllocationSample" -> {
                    long weight = event.getLong("weight");
                    allocatedClasses.add(event.getClass("objectClass").getName(), weight);
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack != null && !stack.getFrames().isEmpty()) {
                        allocatingFrames.add(firstCaller(stack.getFrames()), weight);
                    }
                }
                case "jdk.ThreadPark" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    String site = stack == null ? "?" : firstCaller(stack.getFrames());
                    parkSites.add(site, 1);
                    parkNanos.add(site, event.getDuration().toNanos());
                }
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    gcPauses = gcPauses.plus(event.getDuration("sumOfPauses"));
                }
                case "jdk.CPULoad" -> {
                    cpuUser += event.getDouble("jvmUser");
                    cpuSystem += event.getDouble("jvmSystem");
                    machine += event.getDouble("machineTotal");
                    cpuReadings++;
                }
                case "jdk.ThreadContextSwitchRate" -> {
                    switchesPerSecond += event.getDouble("switchRate");
                    switchReadings++;
                }
                default -> {
                }
            }
        }

        System.out.printf(Locale.ROOT, "%d execution samples (threads running Java code)%n", samples);
        if (cpuReadings > 0) {
            System.out.printf(Locale.ROOT,
                    "CPU of this JVM: %.0f %% user + %.0f %% system of the machine (machine total %.0f %%); "
                            + "%.0f context switches/s on the machine%n",
                    100 * cpuUser / cpuReadings, 100 * cpuSystem / cpuReadings, 100 * machine / cpuReadings,
                    switchReadings == 0 ? 0 : switchesPerSecond / switchReadings);
        }
        System.out.printf(Locale.ROOT, "GC: %d collections, %d ms of pauses%n", gcCount, gcPauses.toMillis());
        selfFrames.print("Top frames (self time), share of execution samples", samples, top, Function.identity());
        anywhere.print("Methods anywhere on the stack (total time), share of execution samples", samples, top,
                Function.identity());
        areas.print("By owner of the top frame", samples, top, Function.identity());
        callers.print("By first caller outside the JDK (who asked for the work)", samples, top, Function.identity());
        threads.print("By thread", samples, top, Function.identity());
        nativeFrames.print("Threads in native code (blocked in I/O or waiting), share of native samples",
                nativeSamples, top, Function.identity());
        allocatedClasses.print("Allocation by class, share of sampled bytes", allocatedClasses.total, top,
                Function.identity());
        allocatingFrames.print("Allocation by allocating method, share of sampled bytes", allocatingFrames.total,
                top, Function.identity());
        parkSites.print("Thread parks (over the recording's threshold) by caller, count", -1, top,
                Function.identity());
        parkNanos.print("Thread parks by caller, total ms parked", -1, top, nanos -> nanos);
    }

    /** Counts or weights per key. */
    static final class Tally {

        final Map<String, Long> values = new HashMap<>();

        long total;

        void add(String key, long amount) {
            this.values.merge(key, amount, Long::sum);
            this.total += amount;
        }

        void print(String title, long whole, int top, Function<String, String> label) {
            if (this.values.isEmpty()) {
                return;
            }
            System.out.println();
            System.out.println("## " + title);
            this.values.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(top)
                    .forEach(entry -> {
                        if (whole > 0) {
                            System.out.printf(Locale.ROOT, "%6.1f %%  %s%n", 100.0 * entry.getValue() / whole,
                                    label.apply(entry.getKey()));
                        }
                        else if (title.contains("ms parked")) {
                            System.out.printf(Locale.ROOT, "%8d ms  %s%n", entry.getValue() / 1_000_000,
                                    entry.getKey());
                        }
                        else {
                            System.out.printf(Locale.ROOT, "%8d  %s%n", entry.getValue(), entry.getKey());
                        }
                    });
        }
    }

    static String method(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    /** The first frame outside the JDK's own packages: who asked for the work. */
    static String firstCaller(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String name = method(frame);
            if (!name.startsWith("java.") && !name.startsWith("jdk.") && !name.startsWith("sun.")) {
                return name;
            }
        }
        return frames.isEmpty() ? "?" : method(frames.get(0));
    }

    /** Whose code the sampled thread was running: the owner of the top frame. */
    static String area(List<RecordedFrame> frames) {
        String top = method(frames.get(0));
        if (top.startsWith("io.keystonelight.")) {
            return "KeystoneLight";
        }
        if (top.startsWith("org.springframework.integration.")) {
            return "Spring Integration";
        }
        if (top.startsWith("org.springframework.")) {
            return "Spring (other)";
        }
        if (top.startsWith("org.slf4j.") || top.startsWith("ch.qos.logback.")) {
            return "logging";
        }
        if (top.startsWith("sun.nio.ch.") || top.startsWith("java.net.") || top.startsWith("java.io.")) {
            return "JDK: sockets and streams";
        }
        if (top.startsWith("java.util.concurrent.") || top.startsWith("jdk.internal.misc.Unsafe.")
                || top.startsWith("java.lang.Thread.")) {
            return "JDK: java.util.concurrent (locks, queues, atomics)";
        }
        if (top.startsWith("java.lang.String") || top.startsWith("java.lang.AbstractStringBuilder")
                || top.startsWith("sun.nio.cs.") || top.startsWith("java.lang.Integer")) {
            return "JDK: strings and text";
        }
        if (top.startsWith("java.util.") && top.indexOf('.', "java.util.".length()) < 0
                || top.startsWith("java.util.HashMap") || top.startsWith("java.util.Collections")) {
            return "JDK: collections";
        }
        if (top.startsWith("java.lang.invoke.") || top.startsWith("java.lang.reflect.")
                || top.startsWith("jdk.internal.reflect.")) {
            return "JDK: reflection";
        }
        return "JDK: other (" + top.substring(0, top.lastIndexOf('.')) + ")";
    }

    /** Thread names without their numbers: "connection-12" and "connection-3" are one group. */
    static String threadGroup(RecordedThread thread) {
        if (thread == null) {
            return "?";
        }
        String name = thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
        return name.replaceAll("[0-9]+", "N");
    }
}
