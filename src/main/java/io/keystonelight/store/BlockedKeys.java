package io.keystonelight.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients blocked in a blocking pop, in a queue per key, first come first served. No thread
 * waits: a waiter is a callback that the committer calls once it applied a change that leaves
 * one of the waiter's keys holding a list or sorted set of the waiter's type; the callback hands
 * the retry to the waiter's own event loop.
 *
 * <p>A waiter is in the queues from before its first attempt until it popped, timed out or its
 * connection closed, so it keeps its place however many times another client takes the element
 * first. A change serves the first waiter of its type on the key, and only that one: if its
 * attempt is in flight (that attempt may have run before the change) it is marked to try again,
 * and the waiters behind it wait. Whoever leaves the queue (it popped, timed out or went away)
 * hands the turn to the next waiter on each of its keys, which finds out by trying whether
 * anything is left. So the first to block is the first served, as in Redis, and no change is
 * ever missed: two clients woken at once would race, and the later one could take it all.
 */
public final class BlockedKeys {

    private final ConcurrentHashMap<ByteKey, ArrayDeque<Waiter>> byKey = new ConcurrentHashMap<>();

    /** A blocked client: {@code wake} runs on the committer, so it must only hand work on. */
    public final class Waiter {

        private final List<ByteKey> keys;

        private final Class<?> type;

        private final Runnable wake;

        private boolean trying = true;

        private boolean again;

        private boolean removed;

        /** Its first attempt found nothing: from then on it counts as blocked, as in Redis's INFO. */
        private boolean waited;

        private Waiter(List<ByteKey> keys, Class<?> type, Runnable wake) {
            this.keys = keys;
            this.type = type;
            this.wake = wake;
        }

        /**
         * Its attempt found nothing: it waits, or answers whether it must try again at once
         * because a change came while the attempt was in flight.
         */
        public boolean foundNothing() {
            synchronized (BlockedKeys.this) {
                if (this.again && !this.removed) {
                    this.again = false;
                    return true;
                }
                this.trying = false;
                this.waited = true;
                return false;
            }
        }

        /** Whether an attempt is in flight, whose answer must be awaited before the client is answered. */
        public boolean trying() {
            synchronized (BlockedKeys.this) {
                return this.trying;
            }
        }

        /**
         * It was answered (it popped, or found nothing once its timeout passed): it leaves every
         * queue and the next client on each of its keys takes its turn.
         */
        public void answered() {
            synchronized (BlockedKeys.this) {
                if (!this.removed) {
                    leave();
                    serveNext();
                }
            }
        }

        /**
         * Its timeout passed: it leaves every queue, unless an attempt is in flight (then
         * {@code false}: that attempt's answer is the client's, and may hold an element).
         */
        public boolean timedOut() {
            synchronized (BlockedKeys.this) {
                if (this.trying) {
                    return false;
                }
                // It was not being served, so the next client's turn has not come from it.
                leave();
                return true;
            }
        }

        /**
         * Its connection closed: it leaves every queue. If it was woken and will not try, the
         * next client on each of its keys is woken in its place, so the change is not lost.
         */
        public void closed() {
            synchronized (BlockedKeys.this) {
                boolean served = this.trying && !this.removed;
                leave();
                if (served) {
                    serveNext();
                }
            }
        }

        private void serveNext() {
            for (ByteKey key : this.keys) {
                ArrayDeque<Waiter> queue = BlockedKeys.this.byKey.get(key);
                if (queue != null) {
                    serveFirst(queue, this.type);
                }
            }
        }

        private void leave() {
            if (this.removed) {
                return;
            }
            this.removed = true;
            for (ByteKey key : this.keys) {
                ArrayDeque<Waiter> queue = BlockedKeys.this.byKey.get(key);
                if (queue != null) {
                    queue.remove(this);
                    if (queue.isEmpty()) {
                        BlockedKeys.this.byKey.remove(key);
                    }
                }
            }
        }
    }

    /**
     * Queues a client on {@code keys} (each once), waiting for a value of class {@code type}; it
     * starts as trying, since its first attempt follows.
     */
    public Waiter block(List<byte[]> keys, Class<?> type, Runnable wake) {
        List<ByteKey> distinct = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            ByteKey k = new ByteKey(key);
            if (!distinct.contains(k)) {
                distinct.add(k);
            }
        }
        Waiter waiter = new Waiter(distinct, type, wake);
        synchronized (this) {
            for (ByteKey key : distinct) {
                this.byKey.computeIfAbsent(key, ignored -> new ArrayDeque<>()).add(waiter);
            }
        }
        return waiter;
    }

    /**
     * How many clients are blocked, each counted once: those whose first attempt found nothing,
     * so a client counted here was queued before any change that comes after the count.
     */
    public int blockedClients() {
        synchronized (this) {
            Set<Waiter> all = Collections.newSetFromMap(new IdentityHashMap<>());
            for (ArrayDeque<Waiter> queue : this.byKey.values()) {
                for (Waiter waiter : queue) {
                    if (waiter.waited) {
                        all.add(waiter);
                    }
                }
            }
            return all.size();
        }
    }

    /**
     * The committer published {@code value} under {@code key}: the first waiting client of its
     * type is served.
     */
    void changed(byte[] key, Object value) {
        if (this.byKey.isEmpty() || value == null) {
            return;
        }
        synchronized (this) {
            ArrayDeque<Waiter> queue = this.byKey.get(new ByteKey(key));
            if (queue != null) {
                serveFirst(queue, value.getClass());
            }
        }
    }

    /**
     * The first client in {@code queue} waiting for a {@code type} tries (again): woken if it
     * waits, marked to try again if its attempt is in flight. Those behind it wait their turn.
     */
    private static void serveFirst(ArrayDeque<Waiter> queue, Class<?> type) {
        for (Waiter waiter : queue) {
            if (!waiter.type.isAssignableFrom(type)) {
                continue;
            }
            if (waiter.trying) {
                waiter.again = true;
            }
            else {
                waiter.trying = true;
                waiter.wake.run();
            }
            return;
        }
    }
}
