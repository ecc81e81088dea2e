package io.keystonelight.compaction;

import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * SIGUSR1, the operator's way to ask for a compaction ({@code kill -USR1 $(cat keystonelight.pid)}).
 *
 * <p>The handler only raises a flag: it runs on the JVM's signal thread, where taking the store's
 * locks or doing I/O could stall every later signal. {@link CompactionScheduler} notices the flag.
 * The handler must be installed before Spring starts, because until then SIGUSR1 would end the
 * JVM on the spot, skipping every shutdown step.
 */
public final class CompactionSignal {

    private static final AtomicBoolean requested = new AtomicBoolean();

    /** Why the handler could not be installed, or {@code null} once it is. */
    private static volatile String unavailable = "the SIGUSR1 handler was not installed";

    private CompactionSignal() {
    }

    /** Installs the handler; does nothing but remember why where the platform has no SIGUSR1. */
    public static void install() {
        try {
            Signal.handle(new Signal("USR1"), signal -> requested.set(true));
            unavailable = null;
        }
        catch (IllegalArgumentException | UnsupportedOperationException ex) {
            // No SIGUSR1 here (Windows), or the JVM runs with -Xrs: the compact request still works.
            unavailable = "SIGUSR1 cannot be handled on this platform (" + ex.getMessage() + ")";
        }
    }

    /** Whether SIGUSR1 arrived since the last call; clears the request. */
    static boolean takeRequest() {
        return requested.getAndSet(false);
    }

    /** Why SIGUSR1 does not compact, or {@code null} when it does. */
    static String unavailableReason() {
        return unavailable;
    }
}
