package io.keystonelight.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * A set of members, held in an array with an index of where each is: SPOP and SRANDMEMBER pick a
 * member by position in constant time, where a hash set alone would be walked to it. A removal
 * moves the last member into the gap. Never changed once the store published it (see
 * {@link HashValue}).
 */
public final class SetValue {

    private final HashMap<ByteKey, Integer> positions;

    private final ArrayList<byte[]> members;

    public SetValue() {
        this.positions = new HashMap<>();
        this.members = new ArrayList<>();
    }

    private SetValue(HashMap<ByteKey, Integer> positions, ArrayList<byte[]> members) {
        this.positions = positions;
        this.members = members;
    }

    public boolean contains(byte[] member) {
        return this.positions.containsKey(new ByteKey(member));
    }

    public int size() {
        return this.members.size();
    }

    /** The members, in an order of no meaning (removals reorder them). */
    public List<byte[]> members() {
        return new ArrayList<>(this.members);
    }

    /** The member at {@code position}, 0 to size - 1, in the order of {@link #members()}: for picking at random. */
    public byte[] member(int position) {
        return this.members.get(position);
    }

    boolean add(byte[] member) {
        ByteKey key = new ByteKey(member);
        if (this.positions.putIfAbsent(key, this.members.size()) != null) {
            return false;
        }
        this.members.add(key.bytes());
        return true;
    }

    boolean remove(byte[] member) {
        Integer at = this.positions.remove(new ByteKey(member));
        if (at == null) {
            return false;
        }
        byte[] last = this.members.remove(this.members.size() - 1);
        if (at < this.members.size()) {
            this.members.set(at, last);
            this.positions.put(new ByteKey(last), at);
        }
        return true;
    }

    SetValue copy() {
        return new SetValue(new HashMap<>(this.positions), new ArrayList<>(this.members));
    }
}
