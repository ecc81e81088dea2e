package io.keystonelight.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.DataFileException;
import io.keystonelight.persistence.FileChannelOpener;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RecordBatch;
import io.keystonelight.persistence.RecordSink;
import io.keystonelight.persistence.RepairMode;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The key-value store: the table of live entries ({@link EntryTable}), the pipeline that makes
 * writes durable before it applies them ({@link WritePipeline}), and the compactor
 * ({@link Compactor}) that rewrites the data file.
 *
 * <p>Reads never wait for the disk and only ever see durable writes. Writes return a future that
 * completes once the write is in the data file (fsynced under {@code fsync: always}) and
 * visible to reads; no thread waits for it.
 */
public class KeyValueStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyValueStore.class);

    private static final CompletableFuture<Void> NO_WAIT = CompletableFuture.completedFuture(null);

    private final StoreTables tables = new StoreTables();

    private final ActiveExpiry activeExpiry = new ActiveExpiry(this.tables);

    private final WritePipeline.LiveBytes liveBytes = new WritePipeline.LiveBytes();

    private final AppendOnlyFile dataFile;

    private final WritePipeline pipeline;

    private final Compactor compactor;

    private volatile Replication replication;

    /**
     * Cluster mode: until the cluster node hands its replication over, a write has no log to go
     * through, and the data file here is only a lock: it is refused, never acknowledged on this
     * node alone.
     */
    private volatile boolean awaitsReplication;

    /**
     * The records a replicated write would make: worked out as for the data file but never
     * written (the Raft log holds the write). One buffer, reused: only the thread that applies
     * replicated writes touches it, and a new 8 KB buffer per applied write was half of what a
     * busy leader allocated.
     */
    private final RecordBatch replicatedRecords = new RecordBatch();

    /**
     * The store of the running server; the data file is opened through a {@link FileChannelOpener}
     * bean if there is one (tests put a disk that fails or waits there), else directly.
     */
    public KeyValueStore(KeystoneLightProperties properties, ObjectProvider<FileChannelOpener> opener) {
        this(dataFileOf(properties), properties.storage().fsync(),
                opener.getIfAvailable(() -> FileChannelOpener.DEFAULT), properties.storage().repair());
        this.awaitsReplication = properties.cluster().enabled();
    }

    /**
     * In cluster mode the Raft log is the write-ahead log and snapshots hold the table, so the
     * single-node data file is left alone: the store keeps an empty file inside the node's Raft
     * folder instead, which only locks that folder against a second server.
     */
    private static Path dataFileOf(KeystoneLightProperties properties) {
        if (properties.cluster().enabled()) {
            return properties.cluster().dir().resolve("store-lock.txt");
        }
        return properties.storage().dataFile();
    }

    public KeyValueStore(Path dataFile, FsyncPolicy fsync) {
        this(dataFile, fsync, FileChannelOpener.DEFAULT);
    }

    /** As {@link #KeyValueStore(Path, FsyncPolicy)}, opening the data file through {@code opener}. */
    public KeyValueStore(Path dataFile, FsyncPolicy fsync, FileChannelOpener opener) {
        this(dataFile, fsync, opener, RepairMode.NONE);
    }

    /**
     * As {@link #KeyValueStore(Path, FsyncPolicy, FileChannelOpener)}; a data file damaged before
     * its end is refused, or repaired as {@code repair} says.
     */
    public KeyValueStore(Path dataFile, FsyncPolicy fsync, FileChannelOpener opener, RepairMode repair) {
        try {
            this.dataFile = AppendOnlyFile.open(dataFile, fsync, repair, new Replay(), opener);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not open data file " + dataFile + ": " + ex.getMessage(), ex);
        }
        this.pipeline = new WritePipeline(this.tables, this.dataFile, this.liveBytes);
        this.compactor = new Compactor(this.tables, this.dataFile, this.pipeline, this.liveBytes);
        forgetExpired();
        log.info("Store ready: {} keys from {} (fsync {})", size(), dataFile.toAbsolutePath(),
                fsync.name().toLowerCase());
    }

    /**
     * Fills the table from the data file at start, before anything else can see it. The replay has
     * checked the form of each record (a plain record's key follows the text protocol's rule); the
     * length limit of keys, which RESP's binary keys share, is checked here.
     */
    private final class Replay implements RecordSink {

        /** The records of other types, deadlines and renames: the same changes a write makes, applied at once. */
        private final PendingChanges operations = PendingChanges.direct(KeyValueStore.this.tables);

        @Override
        public void expectBytes(long fileBytes) {
            // About 27 bytes a record of a 10-byte key and a 16-byte value; the index grows if more come.
            KeyValueStore.this.tables.strings.expect(fileBytes / 32);
        }

        /** The size of the record of the value a put or a delete replaces, read where the value lies. */
        private final PreviousRecord previous = new PreviousRecord();

        /** Put records held back, applied in their order before any other record and at the end. */
        private final HeldPuts held = new HeldPuts();

        @Override
        public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
            if (kl > Keys.MAX_KEY_BYTES) {
                throw new IllegalArgumentException("invalid key: the key is " + kl + " bytes long");
            }
            if (!this.held.add(k, ko, kl, v, vo, vl)) {
                applyHeld();
                apply(k, ko, kl, v, vo, vl);
            }
            else if (this.held.full()) {
                applyHeld();
            }
        }

        private void applyHeld() {
            HeldPuts h = this.held;
            // The index slots of the whole batch are read first, their cache misses overlapping:
            // with a million keys that was most of a replay's time, one miss after another.
            KeyValueStore.this.tables.strings.touchSlots(h.bytes, h.keyOffsets, h.keyLengths, h.count);
            for (int i = 0; i < h.count; i++) {
                int ko = h.keyOffsets[i];
                int kl = h.keyLengths[i];
                apply(h.bytes, ko, kl, h.bytes, ko + kl, h.valueLengths[i]);
            }
            h.clear();
        }

        /** No copy of the key or the value: the table copies what it keeps. */
        private void apply(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
            this.previous.of(k, ko, kl);
            KeyValueStore.this.tables.strings.set(k, ko, kl, v, vo, vl, this.previous);
            KeyValueStore.this.liveBytes.add(RecordBatch.putRecordLength(k, ko, kl, v, vo, vl)
                    - this.previous.recordLength());
            forgetOtherState(k, ko, kl);
        }

        @Override
        public void finished() {
            applyHeld();
        }

        /** A set record replaces a key of any type, and clears its deadline, as SET does. */
        private void forgetOtherState(byte[] k, int ko, int kl) {
            StoreTables tables = KeyValueStore.this.tables;
            if (!tables.objects.isEmpty() || !tables.deadlines.isEmpty()) {
                ByteKey key = new ByteKey(Arrays.copyOfRange(k, ko, ko + kl));
                tables.objects.remove(key);
                tables.deadlines.remove(key);
            }
        }

        @Override
        public void remove(byte[] k, int ko, int kl) {
            if (kl > Keys.MAX_KEY_BYTES) {
                throw new IllegalArgumentException("invalid key in a delete record: the key is " + kl + " bytes long");
            }
            applyHeld();
            this.previous.of(k, ko, kl);
            KeyValueStore.this.tables.strings.delete(k, ko, kl, this.previous);
            KeyValueStore.this.liveBytes.add(-this.previous.recordLength());
            forgetOtherState(k, ko, kl);
        }

        @Override
        public void clear() {
            applyHeld();
            KeyValueStore.this.tables.strings.clear();
            KeyValueStore.this.liveBytes.reset();
            KeyValueStore.this.tables.objects.clear();
            KeyValueStore.this.tables.deadlines.clear();
        }

        @Override
        public void operation(String tag, List<byte[]> fields) {
            applyHeld();
            RecordOperations.replay(this.operations, tag, fields);
        }
    }

    /**
     * A batch of put records copied out of the replay's buffer (which it reuses): each key, then
     * its value, one after the other.
     */
    private static final class HeldPuts {

        private static final int RECORDS = 64;

        private final byte[] bytes = new byte[64 * 1024];

        private final int[] keyOffsets = new int[RECORDS];

        private final int[] keyLengths = new int[RECORDS];

        private final int[] valueLengths = new int[RECORDS];

        private int count;

        private int used;

        /** Holds the record back; {@code false}, holding nothing, if it does not fit. */
        boolean add(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
            if (this.used + kl + vl > this.bytes.length) {
                return false;
            }
            System.arraycopy(k, ko, this.bytes, this.used, kl);
            System.arraycopy(v, vo, this.bytes, this.used + kl, vl);
            this.keyOffsets[this.count] = this.used;
            this.keyLengths[this.count] = kl;
            this.valueLengths[this.count] = vl;
            this.count++;
            this.used += kl + vl;
            return true;
        }

        boolean full() {
            return this.count == RECORDS;
        }

        void clear() {
            this.count = 0;
            this.used = 0;
        }
    }

    /**
     * Drops from memory the keys whose deadline passed, after a replay: the data file keeps their
     * records until a compaction, and each start drops them again.
     */
    private void forgetExpired() {
        long now = System.currentTimeMillis();
        List<ByteKey> expired = new ArrayList<>();
        this.tables.deadlines.forEach((key, deadline) -> {
            if (deadline <= now) {
                expired.add(key);
            }
        });
        for (ByteKey key : expired) {
            byte[] previous = this.tables.strings.remove(key.bytes());
            if (previous != null) {
                this.liveBytes.add(-RecordBatch.putRecordLength(key.bytes(), previous));
            }
            this.tables.objects.remove(key);
            this.tables.deadlines.remove(key);
        }
        if (!expired.isEmpty()) {
            log.info("{} keys in the data file were past their deadline and are gone", expired.size());
        }
    }

    /**
     * The string value of {@code key}, or {@code null}: only ever a durable one, never one past its
     * deadline; {@link WrongTypeException} if the key holds another type.
     */
    public byte[] get(byte[] key) {
        byte[] value = this.tables.strings.get(key);
        if (value == null) {
            if (!this.tables.objects.isEmpty()) {
                Object other = this.tables.value(key, System.currentTimeMillis());
                if (other != null) {
                    throw new WrongTypeException(DataType.of(other));
                }
            }
            return null;
        }
        if (!this.tables.deadlines.isEmpty() && StoreTables.expired(this.tables.deadline(key),
                System.currentTimeMillis())) {
            this.activeExpiry.seen(key);
            return null;
        }
        return value;
    }

    /**
     * Hands the string value of {@code key} to {@code reader} where the store keeps it, with no
     * copy, as {@link #get} would return it; {@code false}, without calling it, if there is none.
     * The reader runs while writers wait: it must be quick and keep nothing of the array.
     */
    public boolean readString(byte[] key, KeyTable.ValueReader reader) {
        return readString(key, key.length, reader);
    }

    /**
     * As {@link #readString(byte[], KeyTable.ValueReader)}, for the key in {@code key[0, length)}:
     * looked up where it is, copied only when a deadline or another type must be checked for it.
     */
    public boolean readString(byte[] key, int length, KeyTable.ValueReader reader) {
        if (!this.tables.deadlines.isEmpty() && StoreTables.expired(this.tables.deadline(exact(key, length)),
                System.currentTimeMillis())) {
            if (this.tables.strings.containsKey(exact(key, length))) {
                this.activeExpiry.seen(exact(key, length));
                return false;
            }
        }
        else if (this.tables.strings.readValue(key, length, reader)) {
            return true;
        }
        if (!this.tables.objects.isEmpty()) {
            Object other = this.tables.value(exact(key, length), System.currentTimeMillis());
            if (other != null) {
                throw new WrongTypeException(DataType.of(other));
            }
        }
        return false;
    }

    /** The key alone in its array, as the maps of deadlines and objects take it. */
    private static byte[] exact(byte[] key, int length) {
        return length == key.length ? key : Arrays.copyOf(key, length);
    }

    public boolean exists(byte[] key) {
        return this.tables.value(key, System.currentTimeMillis()) != null;
    }

    /** Live keys. */
    public long size() {
        return this.tables.size(System.currentTimeMillis());
    }

    /** Keys removed because their deadline passed, since start. */
    public long expiredKeys() {
        return this.tables.expiredKeys.sum();
    }

    /** Live keys that have a deadline. */
    public long keysWithDeadline() {
        return this.tables.withDeadline(System.currentTimeMillis());
    }

    /** Calls {@code action} with each live key; writes may go on meanwhile. */
    public void forEachKey(Consumer<byte[]> action) {
        List<byte[]> keys = new ArrayList<>();
        this.tables.forEachKey(System.currentTimeMillis(), keys::add);
        keys.forEach(action);
    }

    /** Where SCAN's cursor moves from the strings to the keys of other types. */
    private static final long OTHER_TYPES_CURSOR = 1L << 62;

    /**
     * One step of SCAN: hands about {@code count} live keys to {@code keys} and returns the cursor
     * of the next step, 0 once every key was handed over. Strings are walked in the table's arena
     * order, a bounded number of records per step whatever the table's size; then the keys of
     * other types, in the order of their hashes. A key that exists throughout an iteration is
     * handed over at least once (one that changes between a string and another type meanwhile may
     * not be).
     */
    public long scan(long cursor, int count, Consumer<byte[]> keys) {
        long now = System.currentTimeMillis();
        Consumer<byte[]> live = this.tables.deadlines.isEmpty() ? keys : key -> {
            if (!StoreTables.expired(this.tables.deadline(key), now)) {
                keys.accept(key);
            }
        };
        if (cursor < OTHER_TYPES_CURSOR) {
            long next = this.tables.strings.scan(cursor, count, live);
            if (next != 0) {
                return next;
            }
            return this.tables.objects.isEmpty() ? 0 : OTHER_TYPES_CURSOR;
        }
        long from = cursor - OTHER_TYPES_CURSOR;
        List<ByteKey> candidates = new ArrayList<>();
        for (ByteKey key : this.tables.objects.keySet()) {
            if (hashPosition(key) >= from) {
                candidates.add(key);
            }
        }
        candidates.sort(java.util.Comparator.comparingLong(KeyValueStore::hashPosition));
        for (int i = 0; i < candidates.size(); i++) {
            long position = hashPosition(candidates.get(i));
            if (i >= count && position != hashPosition(candidates.get(i - 1))) {
                // Keys of one hash go together, so the cursor can move past it.
                return OTHER_TYPES_CURSOR + position;
            }
            live.accept(candidates.get(i).bytes());
        }
        return 0;
    }

    private static long hashPosition(ByteKey key) {
        return key.hashCode() & 0xffffffffL;
    }

    /** The keys as a read sees them now: every type, none past its deadline. */
    /** Sends the keyspace events of every write applied from now on to {@code events}. */
    public void keyspaceEvents(KeyspaceEvents events) {
        this.tables.events = events;
    }

    /** Whether writes go through a replicated log (cluster mode) rather than the data file. */
    public boolean replicated() {
        return this.replication != null;
    }

    /** The keys connections WATCH, for their transactions. */
    /** The clients blocked in a blocking pop, woken as changes are applied (on this node, in cluster mode). */
    public BlockedKeys blocked() {
        return this.tables.blocked;
    }

    public Watches watches() {
        return this.tables.watches;
    }

    public Keyspace view() {
        return this.tables.view(System.currentTimeMillis());
    }

    /** The keys as a read sees them at {@code now} (Unix milliseconds). */
    public Keyspace view(long now) {
        return this.tables.view(now);
    }

    /**
     * Removes keys nobody reads again once past their deadline, a bounded batch at a time, as
     * Redis's active expiry does. In cluster mode only the leader does it, through the log.
     */
    @Scheduled(fixedDelay = 100)
    public void expireSome() {
        Replication replicated = this.replication;
        if (replicated != null && !replicated.expiresKeys()) {
            return;
        }
        this.activeExpiry.run(this::submit);
    }

    /**
     * Queues {@code write}. The future completes once it is durable and visible to reads, with
     * what the write answers; or exceptionally with {@link WriteRefusedException} (it could not
     * be persisted: nothing changed) or {@link WriteRejectedException} (what it asked cannot be
     * done: nothing changed).
     */
    public <R> CompletableFuture<R> submit(Write<R> write) {
        Replication replicated = this.replication;
        if (replicated != null) {
            return replicated.submit(write);
        }
        if (this.awaitsReplication) {
            return CompletableFuture.failedFuture(new WriteRefusedException("no quorum: this cluster node has not"
                    + " joined its group yet (its Raft server is still starting); nothing was written, try again",
                    null));
        }
        return this.pipeline.submit(write);
    }

    /**
     * Queues {@code write} as {@link #submit(Write)} does, telling {@code done} its outcome rather
     * than completing a future: on one node, on the event loop that submitted it, with no future,
     * stage or task for the write.
     */
    public void submit(Write<?> write, WriteCompletion done) {
        if (this.replication != null || this.awaitsReplication) {
            // Cluster mode's rounds answer with futures: told from the thread that completes one.
            submit(write).whenComplete((result, failure) -> done.completed(result,
                    failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure));
            return;
        }
        this.pipeline.submit(write, done);
    }

    /**
     * Whether {@link #submit(Write, WriteCompletion)} answers on the submitting event loop without
     * a future: on one node, not in cluster mode.
     */
    public boolean completesInPlace() {
        return this.replication == null && !this.awaitsReplication;
    }

    /**
     * What a read must wait for to see every write acknowledged before it: nothing on one node;
     * in cluster mode, what the replication says.
     */
    public CompletableFuture<Void> readBarrier() {
        Replication replicated = this.replication;
        return replicated == null ? NO_WAIT : replicated.readBarrier();
    }

    // Cluster mode: the store as one copy of a replicated state.

    /**
     * From now on writes go through {@code replicated} and come back through
     * {@link #applyReplicated(Write)}; the data file takes none of them. Set once, before the
     * server takes requests.
     */
    public void replicateThrough(Replication replicated) {
        this.replication = replicated;
    }

    /**
     * Applies a write that the replicated log committed, with the same semantics as the write
     * pipeline, to the table only: the log is what makes it durable. Called by one thread at a
     * time, in log order.
     *
     * @throws WriteRejectedException when the write asks for what cannot be done (nothing changed)
     */
    public <R> R applyReplicated(Write<R> write) {
        this.replicatedRecords.clear();
        PendingChanges changes = new PendingChanges(this.tables, this.replicatedRecords);
        R result = changes.apply(write);
        if (changes.clearsAll()) {
            this.liveBytes.reset();
        }
        this.liveBytes.add(changes.applyToTable());
        changes.reportEvents();
        return result;
    }

    /**
     * Writes the records that rebuild every live key into {@code batch}, handing it to
     * {@code flush} whenever it holds {@code chunkBytes} or more, and once at the end; only from
     * the thread that applies replicated writes. Answers how many keys it wrote.
     */
    public long writeLiveRecords(RecordBatch batch, int chunkBytes, Consumer<RecordBatch> flush) {
        long now = System.currentTimeMillis();
        long[] keys = new long[1];
        this.tables.strings.forEach((key, value) -> {
            long deadline = this.tables.deadline(key);
            if (deadline == 0) {
                batch.put(key, value);
            }
            else {
                batch.operation("setat", key, PendingChanges.decimal(deadline), value);
            }
            keys[0]++;
            if (batch.length() >= chunkBytes) {
                flush.accept(batch);
                batch.clear();
            }
        });
        for (java.util.Map.Entry<ByteKey, Object> entry : this.tables.objects.entrySet()) {
            PendingChanges.dump(entry.getKey().bytes(), entry.getValue(), batch);
            Long deadline = this.tables.deadlines.get(entry.getKey());
            if (deadline != null) {
                batch.operation("pexpireat", entry.getKey().bytes(), PendingChanges.decimal(deadline));
            }
            keys[0]++;
            if (batch.length() >= chunkBytes) {
                flush.accept(batch);
                batch.clear();
            }
        }
        flush.accept(batch);
        batch.clear();
        return keys[0];
    }

    /**
     * Replaces the whole table with the records of {@code snapshot}, a file in the data file's
     * format; only from the thread that applies replicated writes.
     */
    public void loadSnapshot(Path snapshot) throws IOException {
        List<byte[]> keys = new ArrayList<>();
        this.tables.strings.forEach((key, value) -> keys.add(key));
        for (byte[] key : keys) {
            byte[] previous = this.tables.strings.remove(key);
            this.liveBytes.add(-RecordBatch.putRecordLength(key, previous));
        }
        this.tables.objects.clear();
        this.tables.deadlines.clear();
        AppendOnlyFile.open(snapshot, FsyncPolicy.NO, new Replay()).close();
        java.nio.file.Files.deleteIfExists(snapshot.resolveSibling(snapshot.getFileName() + ".lock"));
    }

    // Blocking conveniences, for tests and tools; the request path never blocks on a write.

    public String get(String key) {
        byte[] value = get(key.getBytes(StandardCharsets.UTF_8));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    public void set(String key, String value) {
        await(submit(new Write.Put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))));
    }

    public int delete(List<String> keys) {
        List<byte[]> bytes = keys.stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
        return await(submit(new Write.Delete(bytes)));
    }

    private static <R> R await(CompletableFuture<R> future) {
        try {
            return future.join();
        }
        catch (CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw ex;
        }
    }

    public StoreStats stats() {
        long fileBytes = this.dataFile.size();
        return new StoreStats(size(), fileBytes, Math.max(0, fileBytes - this.liveBytes.get()),
                this.compactor.lastCompaction(), this.dataFile.failure());
    }

    /** Group commits and the writes in them since start. */
    /** The write pipeline's committer thread. */
    public Thread committerThread() {
        return this.pipeline.committer();
    }

    public long[] commitCounts() {
        return this.pipeline.counts();
    }

    /** The data file, for its figures (fsyncs, rewrites) only. */
    public AppendOnlyFile dataFile() {
        return this.dataFile;
    }

    /** Why writes are refused, or {@code null} while they are accepted. */
    public String writeFailure() {
        return this.dataFile.failure();
    }

    public Path dataFilePath() {
        return this.dataFile.path();
    }

    /** The once-a-second fsync of {@code fsync: everysec}. */
    @Scheduled(fixedDelay = 1000)
    public void syncEverySecond() {
        if (this.dataFile.fsyncPolicy() != FsyncPolicy.EVERYSEC) {
            return;
        }
        try {
            this.dataFile.syncIfDirty();
        }
        catch (DataFileException ex) {
            // Already logged by the data file; writes are refused from now on.
        }
    }

    /**
     * Rewrites the data file to hold one record per live key; blocks the calling thread until it
     * is done. Reads go on throughout; writes are held back only for short steps.
     */
    public CompactionResult compact() throws IOException {
        Replication replicated = this.replication;
        if (replicated != null) {
            return replicated.compact();
        }
        return this.compactor.compact();
    }

    /**
     * Closes the data file: after a compaction that is running, and after every write queued
     * before this call; writes after it are refused. Calling it again does nothing.
     */
    @Override
    public void close() throws IOException {
        this.compactor.closeAfterRunning(() -> {
            this.pipeline.runBetweenGroups(this.dataFile::close);
            this.pipeline.close();
        });
    }
}
