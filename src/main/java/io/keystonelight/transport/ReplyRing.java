package io.keystonelight.transport;

import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;

/**
 * The replies of one connection not yet sent, in request order. Its slots are reused from read
 * to read, so that a reply costs no object of its own: a slot holds a result that is there, or
 * the future of one that comes later. Used only on the connection's event loop.
 */
final class ReplyRing {

    private static final Slot[] NONE = new Slot[0];

    /** One reply's place: its command, and its result, its failure, or the future that brings them. */
    static final class Slot {

        Command command;

        Object result;

        Throwable failure;

        CompletableFuture<Object> future;

        boolean isDone() {
            return this.future == null || this.future.isDone();
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

    /** The oldest reply, or {@code null}. */
    Slot first() {
        return this.size == 0 ? null : this.slots[this.head];
    }

    void removeFirst() {
        Slot slot = this.slots[this.head];
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
            grown[i] = new Slot();
        }
        this.slots = grown;
        this.head = 0;
    }
}
