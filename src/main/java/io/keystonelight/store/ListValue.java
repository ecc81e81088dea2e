package io.keystonelight.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of elements in a ring buffer: pushes and pops at both ends in constant time, any index
 * in constant time. Never changed once the store published it (see {@link HashValue}).
 */
public final class ListValue {

    private byte[][] elements;

    private int head;

    private int size;

    public ListValue() {
        this.elements = new byte[8][];
    }

    private ListValue(byte[][] elements, int size) {
        this.elements = elements;
        this.size = size;
    }

    public int size() {
        return this.size;
    }

    /** The element at {@code index}, 0 first; the caller checks the range. */
    public byte[] get(int index) {
        return this.elements[(this.head + index) & (this.elements.length - 1)];
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
        this.head = (this.head - 1) & (this.elements.length - 1);
        this.elements[this.head] = element;
        this.size++;
    }

    void addLast(byte[] element) {
        grow();
        this.elements[(this.head + this.size) & (this.elements.length - 1)] = element;
        this.size++;
    }

    byte[] removeFirst() {
        byte[] first = get(0);
        this.elements[this.head] = null;
        this.head = (this.head + 1) & (this.elements.length - 1);
        this.size--;
        return first;
    }

    byte[] removeLast() {
        int at = (this.head + this.size - 1) & (this.elements.length - 1);
        byte[] last = this.elements[at];
        this.elements[at] = null;
        this.size--;
        return last;
    }

    void set(int index, byte[] element) {
        this.elements[(this.head + index) & (this.elements.length - 1)] = element;
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
        byte[][] kept = new byte[capacityFor(keep)][];
        for (int i = 0; i < keep; i++) {
            kept[i] = get(from + i);
        }
        this.elements = kept;
        this.head = 0;
        this.size = keep;
    }

    ListValue copy() {
        byte[][] copied = new byte[capacityFor(this.size + 1)][];
        for (int i = 0; i < this.size; i++) {
            copied[i] = get(i);
        }
        return new ListValue(copied, this.size);
    }

    private void grow() {
        if (this.size == this.elements.length) {
            byte[][] bigger = new byte[this.elements.length * 2][];
            for (int i = 0; i < this.size; i++) {
                bigger[i] = get(i);
            }
            this.elements = bigger;
            this.head = 0;
        }
    }

    private static int capacityFor(int n) {
        int capacity = 8;
        while (capacity < n) {
            capacity <<= 1;
        }
        return capacity;
    }
}
