package io.keystonelight.store;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A set of members. Never changed once the store published it (see {@link HashValue}).
 */
public final class SetValue {

    private final LinkedHashSet<ByteKey> members;

    public SetValue() {
        this.members = new LinkedHashSet<>();
    }

    private SetValue(LinkedHashSet<ByteKey> members) {
        this.members = members;
    }

    public boolean contains(byte[] member) {
        return this.members.contains(new ByteKey(member));
    }

    public int size() {
        return this.members.size();
    }

    /** The members, in the order they were added. */
    public List<byte[]> members() {
        List<byte[]> all = new ArrayList<>(this.members.size());
        for (ByteKey member : this.members) {
            all.add(member.bytes());
        }
        return all;
    }

    boolean add(byte[] member) {
        return this.members.add(new ByteKey(member));
    }

    boolean remove(byte[] member) {
        return this.members.remove(new ByteKey(member));
    }

    SetValue copy() {
        return new SetValue(new LinkedHashSet<>(this.members));
    }
}
