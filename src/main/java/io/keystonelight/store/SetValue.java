package io.keystonelight.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of members, held in an array with an index of where each is: SPOP and SRANDMEMBER pick a
 * member by position in constant time, where a hash set alone would be walked to it. A removal
 * moves the last member into the gap. Never changed once the store published it (see
 * {@link HashValue}).
 *
 * <p>The members, their hashes and the index (open addressing, linear probing, slot = position +
 * 1) are {@link SharedChunks}: each group of writes changes its own copy of the set, and a copy
 * that shared nothing cost the whole set per group, which made SADD into a large set cost about
 * its size in copying per fsync. No object per member either: a reference, a hash and two slots.
 */
public final class SetValue {

    private static final int FIRST_CAPACITY = 4;

    private SharedChunks.Refs members;

    private SharedChunks.Ints hashes;

    private SharedChunks.Ints index;

    private int size;

    public SetValue() {
        this.members = new SharedChunks.Refs(FIRST_CAPACITY);
        this.hashes = new SharedChunks.Ints(FIRST_CAPACITY);
        this.index = new SharedChunks.Ints(2 * FIRST_CAPACITY);
    }

    private SetValue(SetValue from) {
        this.members = from.members.copy();
        this.hashes = from.hashes.copy();
        this.index = from.index.copy();
        this.size = from.size;
    }

    public boolean contains(byte[] member) {
        return slotOf(member, hash(member)) >= 0;
    }

    public int size() {
        return this.size;
    }

    /** The members, in an order of no meaning (removals reorder them). */
    public List<byte[]> members() {
        List<byte[]> out = new ArrayList<>(this.size);
        for (int i = 0; i < this.size; i++) {
            out.add(this.members.get(i));
        }
        return out;
    }

    /** The member at {@code position}, 0 to size - 1, in the order of {@link #members()}: for picking at random. */
    public byte[] member(int position) {
        if (position < 0 || position >= this.size) {
            throw new IndexOutOfBoundsException("position " + position + " out of range for " + this.size + " members");
        }
        return this.members.get(position);
    }

    /** Where {@code member} is in {@link #members()}, or -1: a removal moves the last member to the removed one's place. */
    int position(byte[] member) {
        int slot = slotOf(member, hash(member));
        return slot < 0 ? -1 : this.index.get(slot) - 1;
    }

    /** How many members fit before the arrays double. */
    int capacity() {
        return this.members.capacity();
    }

    boolean add(byte[] member) {
        int hash = hash(member);
        if (slotOf(member, hash) >= 0) {
            return false;
        }
        if (this.size == this.members.capacity()) {
            grow();
        }
        this.members.set(this.size, member);
        this.hashes.set(this.size, hash);
        this.index.set(freeSlot(hash), this.size + 1);
        this.size++;
        return true;
    }

    boolean remove(byte[] member) {
        int slot = slotOf(member, hash(member));
        if (slot < 0) {
            return false;
        }
        int at = this.index.get(slot) - 1;
        clearSlot(slot);
        int last = this.size - 1;
        if (at < last) {
            byte[] moved = this.members.get(last);
            int movedHash = this.hashes.get(last);
            this.index.set(slotHolding(movedHash, last + 1), at + 1);
            this.members.set(at, moved);
            this.hashes.set(at, movedHash);
        }
        this.members.set(last, null);
        this.size = last;
        return true;
    }

    SetValue copy() {
        return new SetValue(this);
    }

    private int mask() {
        return indexCapacity() - 1;
    }

    private int indexCapacity() {
        return 2 * this.members.capacity();
    }

    private static int hash(byte[] member) {
        int h = Arrays.hashCode(member);
        return h ^ (h >>> 16);
    }

    /** The index slot of {@code member}, or -1. */
    private int slotOf(byte[] member, int hash) {
        int mask = mask();
        for (int slot = hash & mask;; slot = (slot + 1) & mask) {
            int entry = this.index.get(slot);
            if (entry == 0) {
                return -1;
            }
            if (this.hashes.get(entry - 1) == hash && Arrays.equals(this.members.get(entry - 1), member)) {
                return slot;
            }
        }
    }

    private int freeSlot(int hash) {
        int mask = mask();
        int slot = hash & mask;
        while (this.index.get(slot) != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private int slotHolding(int hash, int entry) {
        int mask = mask();
        int slot = hash & mask;
        while (this.index.get(slot) != entry) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Empties {@code slot}, moving back the entries after it that it kept from their own slot. */
    private void clearSlot(int slot) {
        int mask = mask();
        int gap = slot;
        for (int next = (gap + 1) & mask;; next = (next + 1) & mask) {
            int entry = this.index.get(next);
            if (entry == 0) {
                break;
            }
            int home = this.hashes.get(entry - 1) & mask;
            // The entry may fill the gap unless its home lies cyclically in (gap, next].
            boolean homeAfterGap = gap <= next ? gap < home && home <= next : gap < home || home <= next;
            if (!homeAfterGap) {
                this.index.set(gap, entry);
                gap = next;
            }
        }
        this.index.set(gap, 0);
    }

    /** Doubles the capacity; the index is built anew for it, which a doubling pays for once. */
    private void grow() {
        int capacity = 2 * this.members.capacity();
        SharedChunks.Refs grownMembers = new SharedChunks.Refs(capacity);
        SharedChunks.Ints grownHashes = new SharedChunks.Ints(capacity);
        for (int i = 0; i < this.size; i++) {
            grownMembers.set(i, this.members.get(i));
            grownHashes.set(i, this.hashes.get(i));
        }
        this.members = grownMembers;
        this.hashes = grownHashes;
        this.index = new SharedChunks.Ints(2 * capacity);
        for (int i = 0; i < this.size; i++) {
            this.index.set(freeSlot(this.hashes.get(i)), i + 1);
        }
    }
}
