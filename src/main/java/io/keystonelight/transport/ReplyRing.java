package io.keystonelight.transport;

import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;
import io.keystonelight.command.Transactional;
import io.keystonelight.store.WriteCompletion;

/**
 * The replies of one connection not yet sent, in request order. Its slots are reused from read
 * to read, so that a reply costs no object of its own: a slot holds a result that is there, the
 * future of one that comes later, or waits for a write that fills it in place when the write
 * pipeline answers it. Used only on the connection's event loop.
 */
final class ReplyRing {

    private static final Slot[] NONE = new Slot[0];

    /**
     * Told a write's outcome for its slot, on whatever thread answered it: it fills the slot
     * ({@link Slot#fill}) on the connection's loop.
     */
    interface Filled {

        void filled(Slot slot, Object value, Throwable refused);
    }

    private final Filled filled;

    ReplyRing(Filled filled) {
        this.filled = filled;
    }

    /**
     * One reply's place: its command, and its result, its failure, or the future that brings
     * them, or the write that fills it ({@link #awaitWrite}).
     */
    static final class Slot implements WriteCompletion {

        Command command;

        Object result;

        Throwable failure;

        CompletableFuture<Object> future;

        /** Waiting for its write's completion, which fills it. */
        private boolean awaiting;

        /** It left the ring before its write was answered (the connection ends): nobody reads it. */
        private boolean detached;

        private final ReplyRing ring;

        Slot(ReplyRing ring) {
            this.ring = ring;
        }

        boolean isDone() {
            return !this.awaiting && (this.future == null || this.future.isDone());
        }

        @Override
        public void completed(Object value, Throwable refused) {
            this.ring.filled.filled(this, value, refused);
        }

        /**
         * On the connection's loop: the write's outcome as the command's reply, worded as
         * {@link Transactional#reply} words a step's result.
         * @return {@code false} when the slot already left the ring, and nobody reads it
         */
        boolean fill(Object value, Throwable refused) {
            if (this.detached) {
                return false;
            }
            Object reply = null;
            Throwable failure = refused;
            if (failure == null) {
                try {
                    reply = ((Transactional) this.command).reply(value);
                }
                catch (RuntimeException ex) {
                    failure = ex;
                }
            }
            this.result = reply;
            this.failure = failure;
            this.awaiting = false;
            return true;
        }

        /** Takes a done future's outcome into {@link #result} or {@link #failure}. */
        void settle() {
            if (this.future == null) {
                return;
            }
            try {
                this.result = this.future.getNow(null);
            }
            catch (RuntimeException ex) {
                this.failure = ex.getCause() != null ? ex.getCause() : ex;
            }
            this.future = null;
        }
    }

    /** A power of two in length, or empty until the first reply: an idle connection holds no slot. */
    private Slot[] slots = NONE;

    private int head;

    private int size;

    /** A fresh slot at the end, for the reply to {@code command}. */
    Slot add(Command command) {
        if (this.size == this.slots.length) {
            grow();
        }
        Slot slot = this.slots[(this.head + this.size) & (this.slots.length - 1)];
        this.size++;
        slot.command = command;
        return slot;
    }

    /** A fresh slot at the end, for the reply to {@code command}: filled by its write's completion. */
    Slot awaitWrite(Command command) {
        Slot slot = add(command);
        slot.awaiting = true;
        return slot;
    }

    /** The oldest reply, or {@code null}. */
    Slot first() {
        return this.size == 0 ? null : this.slots[this.head];
    }

    void removeFirst() {
        Slot slot = this.slots[this.head];
        if (slot.awaiting) {
            // Its write still holds it and will fill it: the slot goes with the write, and a
            // fresh one takes its place here.
            slot.detached = true;
            this.slots[this.head] = new Slot(this);
            this.head = (this.head + 1) & (this.slots.length - 1);
            this.size--;
            return;
        }
        slot.command = null;
        slot.result = null;
        slot.failure = null;
        slot.future = null;
        this.head = (this.head + 1) & (this.slots.length - 1);
        this.size--;
    }

    void clear() {
        while (this.size > 0) {
            removeFirst();
        }
    }

    int size() {
        return this.size;
    }

    boolean isEmpty() {
        return this.size == 0;
    }

    private void grow() {
        Slot[] grown = new Slot[Math.max(8, this.slots.length * 2)];
        for (int i = 0; i < this.size; i++) {
            grown[i] = this.slots[(this.head + i) & (this.slots.length - 1)];
        }
        for (int i = this.size; i < grown.length; i++) {
            grown[i] = new Slot(this);
        }
        this.slots = grown;
        this.head = 0;
    }
}
