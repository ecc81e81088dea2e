package io.keystonelight.command;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One connection's pub/sub side: the channels and patterns it subscribed to (on its event loop)
 * and where messages published to it go (from any thread). Channels and patterns are kept as
 * ISO-8859-1 strings: one char per byte, so any bytes round-trip.
 */
public final class Subscriber {

    /** Delivers a message to the connection, from any thread, without blocking. */
    @FunctionalInterface
    public interface Outlet {

        void push(Object message);
    }

    private final Set<String> channels = new LinkedHashSet<>();

    private final Set<String> patterns = new LinkedHashSet<>();

    private volatile Outlet outlet;

    private Runnable onClose;

    public void outlet(Outlet outlet) {
        this.outlet = outlet;
    }

    /** Hands {@code message} to the connection; dropped if the connection gave no outlet. */
    public void push(Object message) {
        Outlet target = this.outlet;
        if (target != null) {
            target.push(message);
        }
    }

    /** Subscriptions, channels and patterns together, as Redis counts them in its replies. */
    public int count() {
        return this.channels.size() + this.patterns.size();
    }

    public Set<String> channels() {
        return Collections.unmodifiableSet(this.channels);
    }

    public Set<String> patterns() {
        return Collections.unmodifiableSet(this.patterns);
    }

    /** @return whether it is new */
    public boolean add(String name, boolean pattern) {
        return (pattern ? this.patterns : this.channels).add(name);
    }

    /** @return whether it was there */
    public boolean remove(String name, boolean pattern) {
        return (pattern ? this.patterns : this.channels).remove(name);
    }

    public Collection<String> all(boolean pattern) {
        return pattern ? this.patterns : this.channels;
    }

    /** What to do when the connection closes: leave every channel and pattern. */
    public void onClose(Runnable action) {
        this.onClose = action;
    }

    void close() {
        if (this.onClose != null) {
            this.onClose.run();
        }
        this.outlet = null;
    }
}
