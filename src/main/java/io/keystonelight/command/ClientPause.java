package io.keystonelight.command;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code CLIENT PAUSE ms [WRITE|ALL]} and {@code CLIENT UNPAUSE}. A paused command waits in its
 * session's queue, with everything its connection sent after it; no thread blocks. The session
 * asks to be woken: on its own event loop once the pause ends, or at once on UNPAUSE. As Redis,
 * a second pause extends the first (the later end, the stronger mode) and never shortens it.
 */
public final class ClientPause {

    /** Volatile so that every request can see "no pause" without taking the lock the loops share. */
    private volatile long untilMillis;

    private boolean all;

    private final Set<Session> parked = ConcurrentHashMap.newKeySet();

    public synchronized void pause(long millis, boolean allCommands) {
        long until = System.currentTimeMillis() + millis;
        boolean active = System.currentTimeMillis() < this.untilMillis;
        this.all = allCommands || (active && this.all);
        this.untilMillis = Math.max(until, active ? this.untilMillis : 0);
    }

    public void unpause() {
        synchronized (this) {
            this.untilMillis = 0;
            this.all = false;
        }
        for (Session session : this.parked) {
            this.parked.remove(session);
            session.eventLoop().execute(session::resumeAfterPause);
        }
    }

    /**
     * Whether {@code command} must wait: in WRITE mode the writes, in ALL mode every command but
     * CLIENT UNPAUSE, which must get through to end the pause.
     */
    boolean holds(Command command) {
        long until = this.untilMillis;
        // Never paused, or unpaused: no clock read, which every request would pay.
        if (until == 0 || System.currentTimeMillis() >= until) {
            return false;
        }
        return pausedHolds(command);
    }

    private synchronized boolean pausedHolds(Command command) {
        if (System.currentTimeMillis() >= this.untilMillis || command.commandName().equals("client|unpause")) {
            return false;
        }
        return this.all || command.kind() == Command.Kind.WRITE;
    }

    /** Wakes {@code session} on its loop when the pause ends, or on UNPAUSE, whichever comes first. */
    void park(Session session) {
        long delay;
        synchronized (this) {
            delay = Math.max(0, this.untilMillis - System.currentTimeMillis());
        }
        this.parked.add(session);
        if (session.eventLoop() instanceof ScheduledExecutorService loop) {
            loop.schedule(() -> {
                this.parked.remove(session);
                session.resumeAfterPause();
            }, delay + 1, TimeUnit.MILLISECONDS);
        }
    }
}
