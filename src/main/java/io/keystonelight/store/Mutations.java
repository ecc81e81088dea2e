package io.keystonelight.store;

/**
 * The changes a write may make, each written as a record of the data file (or sent through the
 * replicated log) before it is applied. Every write is made of these, so replay, compaction and
 * replicas need to know only them. A collection left empty by a change is deleted, as Redis does.
 * Used by the store's committer only, one write at a time.
 */
public interface Mutations extends Keyspace {

    /** With {@link #setString}: keep the deadline the key had. */
    long KEEP_DEADLINE = -1;

    /** Sets {@code key} to a string, replacing whatever it held; {@code deadline} 0 for none. */
    void setString(byte[] key, byte[] value, long deadline);

    /** @return whether the key existed */
    boolean delete(byte[] key);

    /** Sets the key's deadline; one not after {@link #now()} deletes the key. @return whether it existed */
    boolean expireAt(byte[] key, long deadline);

    /** @return whether the key had a deadline */
    boolean persist(byte[] key);

    /** Moves {@code from}'s value and deadline to {@code to}, replacing what {@code to} held; from must exist. */
    void rename(byte[] from, byte[] to);

    /** Sets {@code key} to a copy of {@code value} (any type) with {@code deadline}, replacing what it held. */
    void restore(byte[] key, Object value, long deadline);

    /** @return whether the field is new */
    boolean hashSet(byte[] key, byte[] field, byte[] value);

    /** @return whether the field existed */
    boolean hashDelete(byte[] key, byte[] field);

    void listPush(byte[] key, boolean head, byte[] element);

    /** Removes and returns the first ({@code head}) or last element; the list must not be empty. */
    byte[] listPop(byte[] key, boolean head);

    /** The index must be in range. */
    void listSet(byte[] key, int index, byte[] element);

    /** Inserts so that the element ends at {@code index} (0 to size). */
    void listInsert(byte[] key, int index, byte[] element);

    void listRemoveAt(byte[] key, int index);

    /** Keeps elements {@code from} to {@code to}, both in range and included; none if from > to. */
    void listKeep(byte[] key, int from, int to);

    /** @return whether the member is new */
    boolean setAdd(byte[] key, byte[] member);

    /** @return whether the member was there */
    boolean setRemove(byte[] key, byte[] member);

    /** @return whether the member is new */
    boolean sortedSetAdd(byte[] key, double score, byte[] member);

    /** @return whether the member was there */
    boolean sortedSetRemove(byte[] key, byte[] member);

    /**
     * Reports a keyspace event of the running command (Redis's {@code notifyKeyspaceEvent}), in
     * the order Redis sends them; a collection the command emptied gets its {@code del} right
     * after. Costs nothing when nobody listens.
     *
     * @param type Redis's class of the event, as {@code notify-keyspace-events} names it
     */
    void keyspaceEvent(char type, String event, byte[] key);

    /** A random number, the same on every replica for the same write. */
    long random();
}
