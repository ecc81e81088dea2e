package io.keystonelight.compaction;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

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

    /**
     * Installs the handler; does nothing but remember why where the platform has no SIGUSR1.
     * {@code sun.misc.Signal} (module {@code jdk.unsupported}) is reached by reflection, so that
     * compiling the project does not warn about internal API on every build.
     */
    public static void install() {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("USR1");
            Object handler = Proxy.newProxyInstance(CompactionSignal.class.getClassLoader(),
                    new Class<?>[] { handlerClass }, (proxy, method, arguments) -> {
                        if (method.getName().equals("handle")) {
                            requested.set(true);
                            return null;
                        }
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == arguments[0];
                            default -> "SIGUSR1 handler of KeystoneLight";
                        };
                    });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            unavailable = null;
        }
        catch (InvocationTargetException ex) {
            // No SIGUSR1 here (Windows), or the JVM runs with -Xrs: the compact request still works.
            unavailable = "SIGUSR1 cannot be handled on this platform (" + ex.getCause().getMessage() + ")";
        }
        catch (ReflectiveOperationException | LinkageError ex) {
            unavailable = "sun.misc.Signal is not available in this JVM (" + ex + ")";
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
