package io.keystonelight.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of elements in a ring buffer: pushes and pops at both ends in constant time, any index
 * in constant time. Never changed once the store published it (see {@link HashValue}); the ring
 * is {@link SharedChunks}, so that a group's copy of a long list costs a reference per thousand
 * elements rather than the whole list, and pushes and pops then copy the chunk at the end alone.
 */
public final class ListValue {

    private SharedChunks.Refs elements;

    private int head;

    private int size;

    public ListValue() {
        this.elements = new SharedChunks.Refs(8);
    }

    private ListValue(SharedChunks.Refs elements, int head, int size) {
        this.elements = elements;
        this.head = head;
        this.size = size;
    }

    public int size() {
        return this.size;
    }

    /** The element at {@code index}, 0 first; the caller checks the range. */
    public byte[] get(int index) {
        return this.elements.get((this.head + index) & (this.elements.capacity() - 1));
    }

    /** Elements {@code from} to {@code to}, both included and in range. */
    public List<byte[]> range(int from, int to) {
        List<byte[]> out = new ArrayList<>(Math.max(0, to - from + 1));
        for (int i = from; i <= to; i++) {
            out.add(get(i));
        }
        return out;
    }

    void addFirst(byte[] element) {
        grow();
        this.head = (this.head - 1) & (this.elements.capacity() - 1);
        this.elements.set(this.head, element);
        this.size++;
    }

    void addLast(byte[] element) {
        grow();
        this.elements.set((this.head + this.size) & (this.elements.capacity() - 1), element);
        this.size++;
    }

    byte[] removeFirst() {
        byte[] first = get(0);
        this.elements.set(this.head, null);
        this.head = (this.head + 1) & (this.elements.capacity() - 1);
        this.size--;
        shrink();
        return first;
    }

    byte[] removeLast() {
        int at = (this.head + this.size - 1) & (this.elements.capacity() - 1);
        byte[] last = this.elements.get(at);
        this.elements.set(at, null);
        this.size--;
        shrink();
        return last;
    }

    void set(int index, byte[] element) {
        this.elements.set((this.head + index) & (this.elements.capacity() - 1), element);
    }

    /** Inserts so that the element is at {@code index} afterwards; 0 to size. */
    void insert(int index, byte[] element) {
        addLast(element);
        for (int i = this.size - 1; i > index; i--) {
            set(i, get(i - 1));
        }
        set(index, element);
    }

    void removeAt(int index) {
        for (int i = index; i < this.size - 1; i++) {
            set(i, get(i + 1));
        }
        removeLast();
    }

    /** Keeps elements {@code from} to {@code to} (both included, in range), or none if from > to. */
    void keep(int from, int to) {
        int keep = from > to ? 0 : to - from + 1;
        SharedChunks.Refs kept = new SharedChunks.Refs(capacityFor(keep));
        for (int i = 0; i < keep; i++) {
            kept.set(i, get(from + i));
        }
        this.elements = kept;
        this.head = 0;
        this.size = keep;
    }

    ListValue copy() {
        return new ListValue(this.elements.copy(), this.head, this.size);
    }

    private void grow() {
        if (this.size == this.elements.capacity()) {
            resize(this.elements.capacity() * 2);
        }
    }

    /** A list popped down to a quarter of its ring gives the rest back, as a copy of it once did. */
    private void shrink() {
        int capacity = this.elements.capacity();
        if (capacity > 8 && this.size < capacity / 4) {
            resize(capacity / 2);
        }
    }

    private void resize(int capacity) {
        SharedChunks.Refs resized = new SharedChunks.Refs(capacity);
        for (int i = 0; i < this.size; i++) {
            resized.set(i, get(i));
        }
        this.elements = resized;
        this.head = 0;
    }

    private static int capacityFor(int n) {
        int capacity = 8;
        while (capacity < n) {
            capacity <<= 1;
        }
        return capacity;
    }
}
