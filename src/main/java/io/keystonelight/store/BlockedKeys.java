package io.keystonelight.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients blocked in a blocking pop, in a queue per key, first come first served. No thread
 * waits: a waiter is a callback that the committer calls once it applied a change that leaves
 * one of the waiter's keys holding a list or sorted set of the waiter's type; the callback hands
 * the retry to the waiter's own event loop.
 *
 * <p>A waiter is in the queues from before its first attempt until it popped, timed out or its
 * connection closed, so it keeps its place however many times another client takes the element
 * first. While its attempt is in flight a change it would have been woken by marks it to try
 * again, since that attempt may have run before the change: so no change is ever missed.
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
                return false;
            }
        }

        /** Whether an attempt is in flight, whose answer must be awaited before the client is answered. */
        public boolean trying() {
            synchronized (BlockedKeys.this) {
                return this.trying;
            }
        }

        /** It was answered (it popped, or found nothing once its timeout passed): it leaves every queue. */
        public void answered() {
            synchronized (BlockedKeys.this) {
                leave();
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
                boolean woken = this.trying && !this.removed;
                leave();
                if (woken) {
                    for (ByteKey key : this.keys) {
                        wakeFirst(key, this.type);
                    }
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

    /** How many clients are blocked, each counted once. */
    public int blockedClients() {
        synchronized (this) {
            java.util.Set<Waiter> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            this.byKey.values().forEach(all::addAll);
            return all.size();
        }
    }

    /**
     * The committer published {@code value} under {@code key}: the first waiting client of its
     * type is woken; those whose attempt is in flight try again.
     */
    void changed(ByteKey key, Object value) {
        if (this.byKey.isEmpty() || value == null) {
            return;
        }
        synchronized (this) {
            ArrayDeque<Waiter> queue = this.byKey.get(key);
            if (queue == null) {
                return;
            }
            for (Waiter waiter : queue) {
                if (!waiter.type.isInstance(value)) {
                    continue;
                }
                if (waiter.trying) {
                    waiter.again = true;
                }
                else {
                    waiter.trying = true;
                    waiter.wake.run();
                    return;
                }
            }
        }
    }

    /** Wakes the first waiting client of {@code type} on {@code key}; it finds out by trying whether there is anything. */
    private void wakeFirst(ByteKey key, Class<?> type) {
        ArrayDeque<Waiter> queue = this.byKey.get(key);
        if (queue == null) {
            return;
        }
        for (Waiter waiter : queue) {
            if (waiter.type == type && !waiter.trying) {
                waiter.trying = true;
                waiter.wake.run();
                return;
            }
        }
    }
}
