package io.keystonelight.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import io.keystonelight.persistence.RecordBatch;

/**
 * The changes of one group of writes, worked out against the tables plus the group's own earlier
 * changes, written as records, and applied to the tables only once those records are durable.
 * So the tables only ever hold what the log holds, and a group that could not be persisted
 * leaves them untouched. A collection the group changes is copied once, on its first change, and
 * the copy replaces the published one: readers never see a collection change under them.
 *
 * <p>The replay uses it too, {@linkplain #direct changing the tables at once} and writing no
 * record. Used by one thread at a time: the store's committer, or the replay before it.
 */
final class PendingChanges implements Mutations {

    /** Marks a key the group deleted. */
    private static final Object DELETED = new Object();

    /** Every integer up to this is a double of its own. */
    private static final double EXACT_INTEGERS = 0x1p53;

    private static final long NEGATIVE_ZERO = Double.doubleToRawLongBits(-0.0);

    private final StoreTables tables;

    /** {@code null} in a replay. */
    private final RecordBatch records;

    private final boolean direct;

    /**
     * Keys the group changed, in the order first changed, with their last value ({@code byte[]},
     * a collection or DELETED) and their last deadline (0 for none), where it changed them.
     */
    private final ChangeSet changed = new ChangeSet();

    /** Measures what each published change replaced; one at a time, as changes publish in turn. */
    private final PreviousRecord previousRecord = new PreviousRecord();

    /** The collections this group copied: changed in place until the group is applied. */
    private final Set<Object> ownCopies = Collections.newSetFromMap(new IdentityHashMap<>());

    private boolean cleared;

    /** Keys this group removed because their deadline passed. */
    private int expired;

    /** The keyspace events of the group, reported once it is applied; {@code null} when nobody wants them. */
    private List<Object[]> events;

    /**
     * Collections the running command emptied and deleted, while events are wanted: Redis follows
     * the command's own event on such a key with a {@code del}.
     */
    private List<ByteKey> emptied;

    /**
     * Keys the running command deleted, while {@code new} events are wanted: a key it then
     * writes again replaces the old one in Redis's eyes (SINTERSTORE and the like), not a new key.
     */
    private List<ByteKey> deletedByCommand;

    /** Inside a {@link Write.Multi}: its steps' records are grouped once, by it. */
    private boolean inMulti;

    private long now;

    private SplittableRandom random = new SplittableRandom(0);

    /** The changes of a group of writes, on top of {@code tables}, recorded in {@code records}. */
    PendingChanges(StoreTables tables, RecordBatch records) {
        this.tables = tables;
        this.records = records;
        this.direct = false;
        this.now = System.currentTimeMillis();
    }

    private PendingChanges(StoreTables tables) {
        this.tables = tables;
        this.records = null;
        this.direct = true;
        // A replay expires nothing while it runs: the records say what happened, in order.
        this.now = Long.MIN_VALUE;
    }

    /**
     * Makes these the changes of a new group, keeping the maps of the last one: the committing
     * thread reuses one instance for every group instead of making it and its maps per group.
     */
    PendingChanges nextGroup() {
        discard();
        this.emptied = null;
        this.deletedByCommand = null;
        this.inMulti = false;
        this.now = System.currentTimeMillis();
        return this;
    }

    /** Changes that go to the tables at once, with no record: for a replay. */
    static PendingChanges direct(StoreTables tables) {
        return new PendingChanges(tables);
    }

    /** Works out {@code write} against the tables and the group's earlier writes; records what it changes. */
    @SuppressWarnings("unchecked")
    <R> R apply(Write<R> write) {
        if (!(write instanceof Write.Timed)) {
            // What one command deleted or emptied says nothing of the next one's events.
            this.emptied = null;
            this.deletedByCommand = null;
        }
        if (write instanceof Write.Timed<R> timed) {
            long before = this.now;
            this.now = timed.now();
            try {
                return apply(timed.write());
            }
            finally {
                this.now = before;
            }
        }
        if (write instanceof Write.Exec exec) {
            long before = this.now;
            this.now = exec.now();
            this.random = new SplittableRandom(exec.seed());
            long mark = this.records == null ? 0 : this.records.mark();
            try {
                Object result = exec.operation().apply(this, exec.args());
                if (this.records != null && !this.inMulti) {
                    this.records.group(mark);
                }
                return (R) result;
            }
            catch (RuntimeException ex) {
                // Commands check their arguments and types before they change anything; should one
                // fail later all the same, none of its records may reach the file.
                if (this.records != null) {
                    this.records.reset(mark);
                }
                throw ex;
            }
            finally {
                this.now = before;
                this.emptied = null;
                this.deletedByCommand = null;
            }
        }
        if (write instanceof Write.Multi multi) {
            return (R) applyMulti(multi);
        }
        if (write instanceof Write.Expire expire) {
            long before = this.now;
            this.now = expire.now();
            try {
                int removed = 0;
                for (byte[] key : expire.keys()) {
                    // Looking it up deletes it when it is past its deadline.
                    Object raw = raw(key);
                    if (raw != null && StoreTables.expired(deadlineOf(key), this.now)) {
                        value(key);
                        removed++;
                    }
                }
                return (R) Integer.valueOf(removed);
            }
            finally {
                this.now = before;
            }
        }
        if (write instanceof Write.Put put) {
            return (R) put(put);
        }
        if (write instanceof Write.Delete delete) {
            int deleted = 0;
            for (byte[] key : delete.keys()) {
                if (delete(key)) {
                    deleted++;
                    event('g', "del", key);
                }
            }
            return (R) Integer.valueOf(deleted);
        }
        if (write instanceof Write.GetAndDelete getAndDelete) {
            byte[] previous = string(getAndDelete.key());
            if (previous != null) {
                delete(getAndDelete.key());
                event('g', "del", getAndDelete.key());
            }
            return (R) previous;
        }
        if (write instanceof Write.PutAll putAll) {
            if (putAll.onlyIfNoneExists()) {
                for (byte[] key : putAll.keys()) {
                    if (value(key) != null) {
                        return (R) Boolean.FALSE;
                    }
                }
            }
            for (int i = 0; i < putAll.keys().size(); i++) {
                setString(putAll.keys().get(i), putAll.values().get(i), 0);
                event('$', "set", putAll.keys().get(i));
            }
            return (R) Boolean.TRUE;
        }
        if (write instanceof Write.Increment increment) {
            return (R) increment(increment);
        }
        if (write instanceof Write.Append append) {
            byte[] current = string(append.key());
            byte[] joined = current == null ? append.suffix() : concat(current, append.suffix());
            setString(append.key(), joined, KEEP_DEADLINE);
            event('$', "append", append.key());
            return (R) Long.valueOf(joined.length);
        }
        if (write instanceof Write.Clear) {
            // O(1): the keys there were, counting any past their deadline not yet removed.
            long[] count = { this.cleared ? 0 : this.tables.strings.size() + this.tables.objects.size() };
            for (int entry = 0; entry < this.changed.size(); entry++) {
                if (this.changed.value(entry) != null) {
                    this.changed.setValue(entry, DELETED);
                }
                if (this.changed.deadlineChanged(entry)) {
                    this.changed.setDeadline(entry, 0);
                }
            }
            if (this.records != null) {
                // One record that deletes every key, however many there are.
                this.records.flushAll();
            }
            if (this.direct) {
                clearTables();
            }
            else {
                this.cleared = true;
            }
            return (R) Long.valueOf(count[0]);
        }
        throw new IllegalArgumentException("unknown write " + write);
    }

    private List<Object> applyMulti(Write.Multi multi) {
        if (multi.watched() != null && !multi.watched().unchanged(this, this::changedInGroup)) {
            return null;
        }
        long mark = this.records == null ? 0 : this.records.mark();
        List<Object> results = new ArrayList<>(multi.steps().size());
        this.inMulti = true;
        try {
            for (Write<?> step : multi.steps()) {
                try {
                    results.add(apply(step));
                }
                catch (RuntimeException ex) {
                    // As in Redis, a command that fails inside EXEC is answered with its error; the others run.
                    results.add(ex);
                }
            }
        }
        finally {
            this.inMulti = false;
        }
        if (this.records != null) {
            this.records.group(mark);
        }
        return results;
    }

    /** Whether an earlier write of this group changed {@code key}: not yet published, so no watch saw it. */
    private boolean changedInGroup(byte[] key) {
        return this.changed.find(key) >= 0 || this.cleared && this.tables.rawValue(key) != null;
    }

    private Write.PutResult put(Write.Put put) {
        // SET ... GET refuses a key of another type, as Redis does; the conditions look at any type.
        byte[] previous = put.returnPrevious() ? string(put.key()) : null;
        boolean present = put.condition() != Write.Condition.ALWAYS && (previous != null || value(put.key()) != null);
        boolean applies = switch (put.condition()) {
            case ALWAYS -> true;
            case IF_ABSENT -> !present;
            case IF_PRESENT -> present;
        };
        if (applies) {
            setString(put.key(), put.value(), 0);
            event('$', "set", put.key());
        }
        return Write.PutResult.of(applies, previous);
    }

    private Long increment(Write.Increment increment) {
        byte[] current = string(increment.key());
        long base = 0;
        if (current != null) {
            base = parseLong(current);
        }
        long sum;
        try {
            sum = Math.addExact(base, increment.delta());
        }
        catch (ArithmeticException ex) {
            throw new WriteRejectedException("increment or decrement would overflow");
        }
        setString(increment.key(), Long.toString(sum).getBytes(StandardCharsets.US_ASCII), KEEP_DEADLINE);
        event('$', "incrby", increment.key());
        return sum;
    }

    private static long parseLong(byte[] value) {
        if (value.length == 0 || value.length > 20) {
            throw notAnInteger();
        }
        String text = new String(value, StandardCharsets.ISO_8859_1);
        // Redis accepts only the canonical form: no sign on zero, no leading zeros or spaces.
        if (!text.matches("-?(0|[1-9][0-9]*)") || text.equals("-0")) {
            throw notAnInteger();
        }
        try {
            return Long.parseLong(text);
        }
        catch (NumberFormatException ex) {
            throw notAnInteger();
        }
    }

    private static WriteRejectedException notAnInteger() {
        return new WriteRejectedException("value is not an integer or out of range");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    // ---- the keyspace as the group sees it

    @Override
    public long now() {
        return this.now;
    }

    @Override
    public long random() {
        return this.random.nextLong();
    }

    /** What the key holds after the group's earlier changes, deadline or not. */
    private Object raw(byte[] key) {
        if (!this.direct && (this.changed.size() > 0 || this.cleared)) {
            Object pending = this.changed.valueOf(key);
            if (pending != null) {
                return pending == DELETED ? null : pending;
            }
            if (this.cleared) {
                return null;
            }
        }
        return this.tables.rawValue(key);
    }

    private long deadlineOf(byte[] key) {
        if (!this.direct && (this.changed.size() > 0 || this.cleared)) {
            int entry = this.changed.find(key);
            if (entry >= 0 && this.changed.deadlineChanged(entry)) {
                return this.changed.deadline(entry);
            }
            if (this.cleared) {
                return 0;
            }
        }
        return this.tables.deadline(key);
    }

    /** A key met past its deadline is deleted here, with a delete record, as Redis's lazy expiry does. */
    @Override
    public Object value(byte[] key) {
        Object value = raw(key);
        if (value != null && StoreTables.expired(deadlineOf(key), this.now)) {
            remove(key);
            this.expired++;
            event('x', "expired", key);
            return null;
        }
        return value;
    }

    @Override
    public long deadline(byte[] key) {
        return value(key) == null ? 0 : deadlineOf(key);
    }

    @Override
    public long size() {
        if (this.direct) {
            return this.tables.size(this.now);
        }
        long[] count = { 0 };
        forEachKey(key -> count[0]++);
        return count[0];
    }

    @Override
    public void forEachKey(Consumer<byte[]> action) {
        if (!this.cleared) {
            this.tables.forEachKey(this.now, key -> {
                if (this.changed.valueOf(key) == null) {
                    action.accept(key);
                }
            });
        }
        for (int entry = 0; entry < this.changed.size(); entry++) {
            Object value = this.changed.value(entry);
            byte[] key = this.changed.key(entry);
            if (value != null && value != DELETED && !StoreTables.expired(deadlineOf(key), this.now)) {
                action.accept(key);
            }
        }
    }

    // ---- keyspace events

    /** Notes an event for once the group is applied, if anybody wants its kind; replays make none. */
    private void event(char type, String event, byte[] key) {
        KeyspaceEvents listener = this.tables.events;
        if (listener == null || this.direct || !listener.wants(type)) {
            return;
        }
        if (this.events == null) {
            this.events = new ArrayList<>();
        }
        this.events.add(new Object[] { type, event, key });
    }

    /** Reports the group's events, in the order they happened; on the committer, after {@link #applyToTable()}. */
    void reportEvents() {
        KeyspaceEvents listener = this.tables.events;
        if (this.events == null || listener == null) {
            return;
        }
        for (Object[] e : this.events) {
            listener.event((Character) e[0], (String) e[1], (byte[]) e[2]);
        }
        this.events = null;
    }

    @Override
    public void keyspaceEvent(char type, String event, byte[] key) {
        event(type, event, key);
        if (this.emptied != null && this.emptied.remove(new ByteKey(key))) {
            event('g', "del", key);
        }
    }

    // ---- changes

    /** Redis's {@code new} (class n): sent when a write adds a key that was not there, before the command's own. */
    private void created(byte[] key) {
        if (wantsNew() && (this.deletedByCommand == null || !this.deletedByCommand.contains(new ByteKey(key)))) {
            event('n', "new", key);
        }
    }

    private boolean wantsNew() {
        return wants('n');
    }

    /** Whether events of {@code type} are asked for now: nothing is collected for them otherwise. */
    private boolean wants(char type) {
        KeyspaceEvents listener = this.tables.events;
        return listener != null && !this.direct && listener.wants(type);
    }

    @Override
    public void setString(byte[] key, byte[] value, long deadline) {
        if (wantsNew() && value(key) == null) {
            created(key);
        }
        putString(key, value, deadline);
    }

    private void putString(byte[] key, byte[] value, long deadline) {
        long keep = deadline == KEEP_DEADLINE ? deadline(key) : deadline;
        if (keep != 0 && keep <= this.now) {
            delete(key);
            return;
        }
        if (this.records != null) {
            if (keep == 0) {
                this.records.put(key, value);
            }
            else {
                this.records.operation("setat", key, decimal(keep), value);
            }
        }
        track(key, value);
        trackDeadline(key, keep);
    }

    @Override
    public boolean delete(byte[] key) {
        if (value(key) == null) {
            return false;
        }
        remove(key);
        if (wantsNew()) {
            if (this.deletedByCommand == null) {
                this.deletedByCommand = new ArrayList<>(1);
            }
            this.deletedByCommand.add(new ByteKey(key));
        }
        return true;
    }

    private void remove(byte[] key) {
        if (this.records != null) {
            this.records.tombstone(key);
        }
        track(key, DELETED);
        trackDeadline(key, 0);
    }

    @Override
    public boolean expireAt(byte[] key, long deadline) {
        if (value(key) == null) {
            return false;
        }
        if (deadline <= this.now) {
            remove(key);
            return true;
        }
        if (this.records != null) {
            this.records.operation("pexpireat", key, decimal(deadline));
        }
        trackDeadline(key, deadline);
        return true;
    }

    @Override
    public boolean persist(byte[] key) {
        if (value(key) == null || deadlineOf(key) == 0) {
            return false;
        }
        if (this.records != null) {
            this.records.operation("persist", key);
        }
        trackDeadline(key, 0);
        return true;
    }

    @Override
    public void rename(byte[] from, byte[] to) {
        Object value = value(from);
        if (value == null) {
            throw new WriteRejectedException("no such key");
        }
        long deadline = deadlineOf(from);
        if (Arrays.equals(from, to)) {
            return;
        }
        if (this.records != null) {
            this.records.operation("rename", from, to);
        }
        // Redis adds the destination afresh, whether or not it held a key before.
        event('n', "new", to);
        track(from, DELETED);
        trackDeadline(from, 0);
        track(to, value);
        trackDeadline(to, deadline);
    }

    @Override
    public void restore(byte[] key, Object value, long deadline) {
        if (this.records != null && raw(key) != null) {
            this.records.tombstone(key);
        }
        // Redis adds the key afresh, whether or not it held one before.
        event('n', "new", key);
        if (value instanceof byte[] string) {
            putString(key, string, deadline);
            return;
        }
        Object copy = copyOf(value);
        if (this.records != null) {
            dump(key, copy, this.records);
            if (deadline != 0) {
                this.records.operation("pexpireat", key, decimal(deadline));
            }
        }
        track(key, copy);
        this.ownCopies.add(copy);
        trackDeadline(key, deadline);
    }

    /** The records that rebuild a collection: one record, or a few for a very large one. */
    static void dump(byte[] key, Object value, RecordBatch out) {
        final int perRecord = 1024;
        List<byte[]> fields = new ArrayList<>();
        String tag;
        if (value instanceof HashValue hash) {
            tag = "hset";
            hash.forEach((field, v) -> {
                fields.add(field);
                fields.add(v);
            });
        }
        else if (value instanceof ListValue list) {
            tag = "rpush";
            fields.addAll(list.range(0, list.size() - 1));
        }
        else if (value instanceof SetValue set) {
            tag = "sadd";
            fields.addAll(set.members());
        }
        else if (value instanceof SortedSetValue zset) {
            tag = "zadd";
            for (SortedSetValue.Entry entry : zset.entries()) {
                fields.add(decimal(entry.score()));
                fields.add(entry.member());
            }
        }
        else {
            throw new IllegalArgumentException("not a collection: " + value);
        }
        int step = tag.equals("hset") || tag.equals("zadd") ? 2 * perRecord : perRecord;
        for (int from = 0; from < fields.size(); from += step) {
            List<byte[]> part = fields.subList(from, Math.min(fields.size(), from + step));
            byte[][] recordFields = new byte[part.size() + 1][];
            recordFields[0] = key;
            for (int i = 0; i < part.size(); i++) {
                recordFields[i + 1] = part.get(i);
            }
            out.operation(tag, recordFields);
        }
    }

    private static Object copyOf(Object value) {
        if (value instanceof HashValue hash) {
            return hash.copy();
        }
        if (value instanceof ListValue list) {
            return list.copy();
        }
        if (value instanceof SetValue set) {
            return set.copy();
        }
        if (value instanceof SortedSetValue zset) {
            return zset.copy();
        }
        throw new IllegalArgumentException("not a collection: " + value);
    }

    /** The group's own copy of the collection at {@code key}, made (or created empty) on first use. */
    @SuppressWarnings("unchecked")
    private <T> T mutable(byte[] key, Class<T> type, java.util.function.Supplier<T> empty) {
        Object current = value(key);
        if (current != null && !type.isInstance(current)) {
            throw new WrongTypeException(DataType.of(current));
        }
        if (this.direct) {
            if (current == null) {
                current = empty.get();
                track(key, current);
            }
            return (T) current;
        }
        if (current == null) {
            created(key);
        }
        if (current != null && this.ownCopies.contains(current)) {
            return (T) current;
        }
        Object copy = current == null ? empty.get() : copyOf(current);
        this.ownCopies.add(copy);
        track(key, copy);
        return (T) copy;
    }

    /** A collection left empty is deleted, as Redis does; its records already say so on replay. */
    private void deleteIfEmpty(byte[] key, int size) {
        if (size == 0) {
            track(key, DELETED);
            trackDeadline(key, 0);
            if (wants('g')) {
                if (this.emptied == null) {
                    this.emptied = new ArrayList<>(1);
                }
                this.emptied.add(new ByteKey(key));
            }
        }
    }

    @Override
    public boolean hashSet(byte[] key, byte[] field, byte[] value) {
        HashValue hash = mutable(key, HashValue.class, HashValue::new);
        if (this.records != null) {
            this.records.operation("hset", key, field, value);
        }
        return hash.put(field, value);
    }

    @Override
    public boolean hashDelete(byte[] key, byte[] field) {
        HashValue current = get(key, HashValue.class);
        if (current == null || !current.contains(field)) {
            return false;
        }
        HashValue hash = mutable(key, HashValue.class, HashValue::new);
        if (this.records != null) {
            this.records.operation("hdel", key, field);
        }
        hash.remove(field);
        deleteIfEmpty(key, hash.size());
        return true;
    }

    @Override
    public void listPush(byte[] key, boolean head, byte[] element) {
        ListValue list = mutable(key, ListValue.class, ListValue::new);
        if (this.records != null) {
            this.records.operation(head ? "lpush" : "rpush", key, element);
        }
        if (head) {
            list.addFirst(element);
        }
        else {
            list.addLast(element);
        }
    }

    @Override
    public byte[] listPop(byte[] key, boolean head) {
        ListValue list = mutable(key, ListValue.class, ListValue::new);
        if (list.size() == 0) {
            throw new IllegalStateException("pop from an empty list");
        }
        if (this.records != null) {
            this.records.operation(head ? "lpop" : "rpop", key);
        }
        byte[] popped = head ? list.removeFirst() : list.removeLast();
        deleteIfEmpty(key, list.size());
        return popped;
    }

    @Override
    public void listSet(byte[] key, int index, byte[] element) {
        ListValue list = mutable(key, ListValue.class, ListValue::new);
        checkIndex(index, list.size());
        if (this.records != null) {
            this.records.operation("lset", key, decimal(index), element);
        }
        list.set(index, element);
    }

    @Override
    public void listInsert(byte[] key, int index, byte[] element) {
        ListValue list = mutable(key, ListValue.class, ListValue::new);
        checkIndex(index, list.size() + 1);
        if (this.records != null) {
            this.records.operation("linsert", key, decimal(index), element);
        }
        list.insert(index, element);
    }

    @Override
    public void listRemoveAt(byte[] key, int index) {
        ListValue list = mutable(key, ListValue.class, ListValue::new);
        checkIndex(index, list.size());
        if (this.records != null) {
            this.records.operation("lremat", key, decimal(index));
        }
        list.removeAt(index);
        deleteIfEmpty(key, list.size());
    }

    @Override
    public void listKeep(byte[] key, int from, int to) {
        ListValue list = mutable(key, ListValue.class, ListValue::new);
        if (from <= to) {
            checkIndex(from, list.size());
            checkIndex(to, list.size());
        }
        if (this.records != null) {
            this.records.operation("ltrim", key, decimal(from), decimal(to));
        }
        list.keep(from, to);
        deleteIfEmpty(key, list.size());
    }

    private static void checkIndex(int index, int size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("index " + index + " out of range for " + size + " elements");
        }
    }

    @Override
    public boolean setAdd(byte[] key, byte[] member) {
        SetValue current = get(key, SetValue.class);
        if (current != null && current.contains(member)) {
            return false;
        }
        SetValue set = mutable(key, SetValue.class, SetValue::new);
        if (this.records != null) {
            this.records.operation("sadd", key, member);
        }
        return set.add(member);
    }

    @Override
    public boolean setRemove(byte[] key, byte[] member) {
        SetValue current = get(key, SetValue.class);
        if (current == null || !current.contains(member)) {
            return false;
        }
        SetValue set = mutable(key, SetValue.class, SetValue::new);
        if (this.records != null) {
            this.records.operation("srem", key, member);
        }
        set.remove(member);
        deleteIfEmpty(key, set.size());
        return true;
    }

    @Override
    public boolean sortedSetAdd(byte[] key, double score, byte[] member) {
        if (Double.isNaN(score)) {
            throw new WriteRejectedException("resulting score is not a number (NaN)");
        }
        SortedSetValue zset = mutable(key, SortedSetValue.class, SortedSetValue::new);
        if (this.records != null) {
            this.records.operation("zadd", key, decimal(score), member);
        }
        return zset.put(member, score);
    }

    @Override
    public boolean sortedSetRemove(byte[] key, byte[] member) {
        SortedSetValue current = get(key, SortedSetValue.class);
        if (current == null || current.score(member) == null) {
            return false;
        }
        SortedSetValue zset = mutable(key, SortedSetValue.class, SortedSetValue::new);
        if (this.records != null) {
            this.records.operation("zrem", key, member);
        }
        zset.remove(member);
        deleteIfEmpty(key, zset.size());
        return true;
    }

    static byte[] decimal(long value) {
        if (value == Long.MIN_VALUE) {
            return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
        }
        // Digits straight into the record's bytes: a String on the way cost a ZADD's record two
        // copies and an allocation more, on the committer that every write waits for.
        long rest = Math.abs(value);
        int sign = value < 0 ? 1 : 0;
        int length = sign + 1;
        for (long left = rest / 10; left != 0; left /= 10) {
            length++;
        }
        byte[] digits = new byte[length];
        for (int at = length - 1; at >= sign; at--) {
            digits[at] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
        if (sign == 1) {
            digits[0] = '-';
        }
        return digits;
    }

    /**
     * Exact: an integer below 2^53 as its digits, anything else in Java's shortest
     * representation; both read back as the same double. ZADD's scores are mostly integers, and
     * {@code Double.toString} cost a sixth of the committer's time per ZADD (issue 19). A
     * negative zero keeps its sign, so it takes the long way.
     */
    static byte[] decimal(double value) {
        if (value == (long) value && Math.abs(value) <= EXACT_INTEGERS
                && Double.doubleToRawLongBits(value) != NEGATIVE_ZERO) {
            return decimal((long) value);
        }
        return Double.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    // ---- tracking, and applying once durable

    private void track(byte[] key, Object value) {
        if (this.direct) {
            publish(key, value);
            return;
        }
        this.changed.setValue(key, value);
    }

    private void trackDeadline(byte[] key, long deadline) {
        if (this.direct) {
            publishDeadline(key, deadline);
            return;
        }
        this.changed.setDeadline(key, deadline);
    }

    /** @return by how much the bytes of live string records changed */
    private long publish(byte[] k, Object value) {
        long delta = 0;
        // The value replaced or removed is measured where it lies in the table: a copy of it
        // only to learn its record's length would be an array per SET of a key that had one.
        this.previousRecord.of(k, 0, k.length);
        if (value instanceof byte[] string) {
            this.tables.strings.set(k, 0, k.length, string, 0, string.length, this.previousRecord);
            delta += RecordBatch.putRecordLength(k, string);
            if (!this.tables.objects.isEmpty()) {
                this.tables.objects.remove(new ByteKey(k));
            }
        }
        else if (value == DELETED) {
            this.tables.strings.delete(k, 0, k.length, this.previousRecord);
            if (!this.tables.objects.isEmpty()) {
                this.tables.objects.remove(new ByteKey(k));
            }
        }
        else {
            this.tables.objects.put(new ByteKey(k), value);
            this.tables.strings.delete(k, 0, k.length, this.previousRecord);
        }
        return delta - this.previousRecord.recordLength();
    }

    private void publishDeadline(byte[] key, long deadline) {
        if (deadline == 0) {
            if (!this.tables.deadlines.isEmpty()) {
                this.tables.deadlines.remove(new ByteKey(key));
            }
        }
        else {
            this.tables.deadlines.put(new ByteKey(key), deadline);
        }
    }

    private void clearTables() {
        this.tables.strings.clear();
        this.tables.objects.clear();
        this.tables.deadlines.clear();
    }

    /** Whether the group deletes every key before its other changes. */
    boolean clearsAll() {
        return this.cleared;
    }

    boolean isEmpty() {
        return this.changed.size() == 0 && !this.cleared;
    }

    /**
     * Applies the group's changes to the tables, once its records are durable. A key's value is
     * published before its deadline, so a reader in between sees the new value with the old
     * deadline (the state before the write, for an expired key) and never an old value without
     * its deadline.
     *
     * @return by how much the bytes of live string records changed
     */
    long applyToTable() {
        long delta = 0;
        if (this.cleared) {
            this.tables.watches.flushing();
            // The whole table at once, whatever its size; the group's changes after the flush follow.
            this.tables.strings.clear();
            this.tables.objects.clear();
            this.tables.deadlines.clear();
        }
        this.tables.expiredKeys.add(this.expired);
        for (int entry = 0; entry < this.changed.size(); entry++) {
            byte[] key = this.changed.key(entry);
            Object value = this.changed.value(entry);
            if (value != null) {
                delta += publish(key, value);
            }
            if (this.changed.deadlineChanged(entry)) {
                publishDeadline(key, this.changed.deadline(entry));
            }
            this.tables.watches.touched(key);
            this.tables.blocked.changed(key, value);
        }
        return delta;
    }

    /** Forgets the group: its records were not persisted. */
    void discard() {
        this.events = null;
        this.changed.clear();
        this.ownCopies.clear();
        this.cleared = false;
        this.expired = 0;
    }
}
