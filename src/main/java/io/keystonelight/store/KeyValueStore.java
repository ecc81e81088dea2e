package io.keystonelight.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * The key-value map and the data file that makes it durable.
 *
 * <p>Readers share a read lock and never wait for the disk. Writers queue up; the writer at the
 * head of the queue commits every write queued behind it at once (one write call, one fsync: a
 * group commit, as LevelDB's writer queue does) and only then applies them to the map, in queue
 * order. So the map only ever holds what the data file holds, the file's order is the map's
 * order, and a write that could not be persisted leaves the map untouched.
 */
@Service
public class KeyValueStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyValueStore.class);

    /** How many snapshot records a compaction writes at a time. */
    private static final int REWRITE_CHUNK = 4096;

    private final Map<String, String> entries = new HashMap<>();

    private final ReentrantReadWriteLock mapLock = new ReentrantReadWriteLock();

    private final ReentrantLock queueLock = new ReentrantLock();

    private final ArrayDeque<PendingWrite> writeQueue = new ArrayDeque<>();

    /** Reused by whichever writer commits; only one does at a time. */
    private final RecordBatch batchRecords = new RecordBatch();

    private final ReentrantLock compactionLock = new ReentrantLock();

    private final AppendOnlyFile dataFile;

    /** Bytes of the records that hold the live entries; the rest of the file is reclaimable. */
    private volatile long liveBytes;

    private volatile Instant lastCompaction;

    @Autowired
    public KeyValueStore(KeystoneLightProperties properties) {
        this(properties.storage().dataFile(), properties.storage().fsync(), FileChannelOpener.DEFAULT,
                properties.storage().repair());
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
        log.info("Store ready: {} keys from {} (fsync {})", this.entries.size(), dataFile.toAbsolutePath(),
                fsync.name().toLowerCase());
    }

    /** Fills the map from the data file at start, before anything else can see it. */
    private final class Replay implements RecordSink {

        @Override
        public void put(String key, String value) {
            String problem = Keys.problemWithKey(key);
            if (problem != null) {
                throw new IllegalArgumentException("invalid key: " + problem);
            }
            String previous = KeyValueStore.this.entries.put(key, value);
            KeyValueStore.this.liveBytes += RecordBatch.putRecordLength(key, value)
                    - (previous == null ? 0 : RecordBatch.putRecordLength(key, previous));
        }

        @Override
        public void remove(String key) {
            String problem = Keys.problemWithKey(key);
            if (problem != null) {
                throw new IllegalArgumentException("invalid key in a delete record: " + problem);
            }
            String previous = KeyValueStore.this.entries.remove(key);
            if (previous != null) {
                KeyValueStore.this.liveBytes -= RecordBatch.putRecordLength(key, previous);
            }
        }
    }

    /** The value of {@code key}, or {@code null} if it has none. */
    public String get(String key) {
        ReentrantReadWriteLock.ReadLock read = this.mapLock.readLock();
        read.lock();
        try {
            return this.entries.get(key);
        }
        finally {
            read.unlock();
        }
    }

    /**
     * Sets {@code key} to {@code value}; returns once the change is in the data file (and fsynced
     * under {@code fsync: always}).
     * @throws WriteRefusedException if it could not be persisted; nothing was changed
     */
    public void set(String key, String value) {
        submit(new PendingWrite.Put(key, value));
    }

    /**
     * Deletes the keys that exist; returns how many did, once the change is persisted.
     * @throws WriteRefusedException if it could not be persisted; nothing was changed
     */
    public int delete(List<String> keys) {
        PendingWrite.Remove remove = new PendingWrite.Remove(keys);
        submit(remove);
        return remove.deleted;
    }

    /**
     * Applies {@code writes} in order as one group, with one write to the data file (and one
     * fsync): what a client that pipelines its writes asks for. Returns, for each write, how many
     * keys it deleted (0 for a set). Either all are applied or, if they could not be persisted,
     * none.
     * @throws WriteRefusedException if they could not be persisted; nothing was changed
     */
    public int[] writeAll(List<Write> writes) {
        List<PendingWrite> pending = new ArrayList<>(writes.size());
        for (Write write : writes) {
            if (write instanceof Write.Set set) {
                pending.add(new PendingWrite.Put(set.key(), set.value()));
            }
            else {
                pending.add(new PendingWrite.Remove(((Write.Delete) write).keys()));
            }
        }
        submit(pending);
        int[] deleted = new int[pending.size()];
        for (int i = 0; i < deleted.length; i++) {
            if (pending.get(i) instanceof PendingWrite.Remove remove) {
                deleted[i] = remove.deleted;
            }
        }
        return deleted;
    }

    public StoreStats stats() {
        long fileBytes = this.dataFile.size();
        int keys;
        ReentrantReadWriteLock.ReadLock read = this.mapLock.readLock();
        read.lock();
        try {
            keys = this.entries.size();
        }
        finally {
            read.unlock();
        }
        return new StoreStats(keys, fileBytes, Math.max(0, fileBytes - this.liveBytes), this.lastCompaction,
                this.dataFile.failure());
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
     * Rewrites the data file to hold one record per live key. Reads go on throughout; writers
     * wait only while the map is copied and while the new file replaces the old. Writes made
     * while it runs are carried into the new file, after the snapshot.
     */
    public CompactionResult compact() throws IOException {
        this.compactionLock.lock();
        try {
            return doCompact();
        }
        finally {
            this.compactionLock.unlock();
        }
    }

    private CompactionResult doCompact() throws IOException {
        long started = System.nanoTime();
        long bytesBefore = this.dataFile.size();
        String[][] snapshot = new String[2][];
        AppendOnlyFile.Rewrite[] rewrite = new AppendOnlyFile.Rewrite[1];
        Duration stallAtStart = runExclusively(() -> {
            String failure = this.dataFile.failure();
            if (failure != null) {
                throw new DataFileException(failure);
            }
            rewrite[0] = this.dataFile.beginRewrite();
            int n = this.entries.size();
            String[] keys = new String[n];
            String[] values = new String[n];
            int i = 0;
            for (Map.Entry<String, String> entry : this.entries.entrySet()) {
                keys[i] = entry.getKey();
                values[i] = entry.getValue();
                i++;
            }
            snapshot[0] = keys;
            snapshot[1] = values;
        });
        String[] keys = snapshot[0];
        String[] values = snapshot[1];
        RecordBatch chunk = new RecordBatch();
        try {
            for (int i = 0; i < keys.length; i++) {
                chunk.put(keys[i], values[i]);
                if (chunk.recordCount() == REWRITE_CHUNK) {
                    rewrite[0].write(chunk);
                    chunk.clear();
                }
            }
            rewrite[0].write(chunk);
            // While writers go on: the final step then fsyncs only what they added meanwhile.
            rewrite[0].syncSnapshot();
        }
        catch (IOException | RuntimeException ex) {
            runExclusively(rewrite[0]::abort);
            throw ex;
        }
        long[] carried = new long[1];
        Duration stallAtEnd = runExclusively(() -> {
            carried[0] = rewrite[0].pendingRecords();
            rewrite[0].finish();
        });
        this.lastCompaction = Instant.now();
        long bytesAfter = this.dataFile.size();
        CompactionResult result = new CompactionResult(bytesBefore, bytesAfter, keys.length, carried[0],
                Duration.ofNanos(System.nanoTime() - started),
                stallAtStart.compareTo(stallAtEnd) > 0 ? stallAtStart : stallAtEnd);
        log.debug("Compacted {}: {} -> {} bytes ({} reclaimed), {} live keys, {} writes carried over, took {} ms, "
                + "writers held back at most {} ms", this.dataFile.path(), bytesBefore, bytesAfter,
                result.reclaimedBytes(), keys.length, carried[0], result.duration().toMillis(),
                result.longestWriteStall().toMillis());
        return result;
    }

    @FunctionalInterface
    private interface ExclusiveAction {

        void run() throws IOException;
    }

    /** Runs {@code action} as the committing writer, so no write is applied meanwhile. */
    private Duration runExclusively(ExclusiveAction action) throws IOException {
        PendingWrite.Exclusive exclusive = new PendingWrite.Exclusive(action);
        submit(exclusive);
        if (exclusive.ioFailure != null) {
            throw exclusive.ioFailure;
        }
        return Duration.ofNanos(exclusive.heldNanos);
    }

    private void submit(PendingWrite write) {
        submit(List.of(write));
    }

    /**
     * Queues {@code writes} together and returns once they are committed: by this thread, if they
     * reach the head of the queue, or by the writer ahead of them, who takes them into its group.
     */
    private void submit(List<PendingWrite> writes) {
        PendingWrite first = writes.get(0);
        PendingWrite last = writes.get(writes.size() - 1);
        List<PendingWrite> group;
        this.queueLock.lock();
        try {
            Condition turn = this.queueLock.newCondition();
            for (PendingWrite write : writes) {
                write.turn = turn;
                this.writeQueue.addLast(write);
            }
            while (!last.done && this.writeQueue.peekFirst() != first) {
                turn.awaitUninterruptibly();
            }
            if (last.done) {
                first.throwIfRefused();
                return;
            }
            group = takeGroup();
        }
        finally {
            this.queueLock.unlock();
        }
        try {
            commit(group);
        }
        catch (RuntimeException | Error ex) {
            // Never leave the queue stuck behind a failed leader.
            log.error("Committing {} writes failed unexpectedly", group.size(), ex);
            WriteRefusedException refusal = new WriteRefusedException("internal error: " + ex, ex);
            for (PendingWrite failed : group) {
                failed.refusal = refusal;
            }
        }
        this.queueLock.lock();
        try {
            for (int i = 0; i < group.size(); i++) {
                PendingWrite committed = this.writeQueue.pollFirst();
                committed.done = true;
                if (committed.turn != first.turn) {
                    committed.turn.signal();
                }
            }
            PendingWrite next = this.writeQueue.peekFirst();
            if (next != null) {
                next.turn.signal();
            }
        }
        finally {
            this.queueLock.unlock();
        }
        first.throwIfRefused();
    }

    /** The writes to commit together: the head, and the ordinary writes queued behind it. */
    private List<PendingWrite> takeGroup() {
        List<PendingWrite> group = new ArrayList<>(Math.min(this.writeQueue.size(), 64));
        for (PendingWrite queued : this.writeQueue) {
            boolean exclusive = queued instanceof PendingWrite.Exclusive;
            if (exclusive && !group.isEmpty()) {
                break;
            }
            group.add(queued);
            if (exclusive) {
                break;
            }
        }
        return group;
    }

    private void commit(List<PendingWrite> group) {
        if (group.get(0) instanceof PendingWrite.Exclusive exclusive) {
            long started = System.nanoTime();
            try {
                exclusive.action.run();
            }
            catch (IOException ex) {
                exclusive.ioFailure = ex;
            }
            catch (RuntimeException ex) {
                exclusive.refusal = ex;
            }
            exclusive.heldNanos = System.nanoTime() - started;
            return;
        }
        RecordBatch records = this.batchRecords;
        records.clear();
        // Whether a key exists once the earlier writes of the group are applied, for keys they
        // touch: only the committing writer changes the map, so it may read it without the lock.
        // A lone set, the commonest group, has nothing to look up: it needs no such record.
        boolean loneSet = group.size() == 1 && group.get(0) instanceof PendingWrite.Put;
        Map<String, Boolean> exists = loneSet ? Map.of() : new HashMap<>();
        for (PendingWrite write : group) {
            if (write instanceof PendingWrite.Put put) {
                records.put(put.key, put.value);
                if (!loneSet) {
                    exists.put(put.key, Boolean.TRUE);
                }
            }
            else if (write instanceof PendingWrite.Remove remove) {
                int deleted = 0;
                for (String key : remove.keys) {
                    Boolean known = exists.get(key);
                    boolean present = known != null ? known : this.entries.containsKey(key);
                    if (present) {
                        records.tombstone(key);
                        deleted++;
                    }
                    exists.put(key, Boolean.FALSE);
                }
                remove.deleted = deleted;
            }
        }
        try {
            this.dataFile.append(records);
        }
        catch (DataFileException ex) {
            WriteRefusedException refusal = new WriteRefusedException(ex.getMessage(), ex);
            for (PendingWrite write : group) {
                write.refusal = refusal;
            }
            return;
        }
        ReentrantReadWriteLock.WriteLock mapWrite = this.mapLock.writeLock();
        mapWrite.lock();
        try {
            long live = this.liveBytes;
            for (PendingWrite write : group) {
                if (write instanceof PendingWrite.Put put) {
                    String previous = this.entries.put(put.key, put.value);
                    live += RecordBatch.putRecordLength(put.key, put.value)
                            - (previous == null ? 0 : RecordBatch.putRecordLength(put.key, previous));
                }
                else if (write instanceof PendingWrite.Remove remove) {
                    for (String key : remove.keys) {
                        String previous = this.entries.remove(key);
                        if (previous != null) {
                            live -= RecordBatch.putRecordLength(key, previous);
                        }
                    }
                }
            }
            this.liveBytes = live;
        }
        finally {
            mapWrite.unlock();
        }
    }

    /**
     * Closes the data file: after a compaction that is running, and after every write queued
     * before this call, so none is cut off halfway; writes after it are refused. Spring calls it
     * on shutdown; calling it again does nothing.
     */
    @Override
    public void close() throws IOException {
        this.compactionLock.lock();
        try {
            runExclusively(this.dataFile::close);
        }
        finally {
            this.compactionLock.unlock();
        }
    }

    /** A write waiting in the queue, and what became of it. */
    private abstract static sealed class PendingWrite {

        Condition turn;

        boolean done;

        RuntimeException refusal;

        void throwIfRefused() {
            if (this.refusal != null) {
                throw this.refusal;
            }
        }

        static final class Put extends PendingWrite {

            final String key;

            final String value;

            Put(String key, String value) {
                this.key = key;
                this.value = value;
            }
        }

        static final class Remove extends PendingWrite {

            final List<String> keys;

            int deleted;

            Remove(List<String> keys) {
                this.keys = keys;
            }
        }

        /** Runs alone, in queue order, with no write applied meanwhile: compaction's two steps. */
        static final class Exclusive extends PendingWrite {

            final ExclusiveAction action;

            IOException ioFailure;

            long heldNanos;

            Exclusive(ExclusiveAction action) {
                this.action = action;
            }
        }
    }
}
