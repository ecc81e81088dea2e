package io.keystonelight.store;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.DataFileException;
import io.keystonelight.persistence.RecordBatch;

/**
 * Rewrites the data file to one record per live key, as Redis's AOF rewrite and Bitcask's merge
 * do: a snapshot of the table goes to a new file beside the data file while writes go on (they
 * are kept aside and added after the snapshot), then appends switch to the new file, which is
 * fsynced, renamed over the old one and the folder fsynced while writers go on; until then every
 * append goes to the old file too. A crash at any moment leaves the old file or the new one,
 * complete. Reads are never held back; writes only while a short step (no fsync) runs on the
 * write pipeline's committer.
 */
final class Compactor {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    /** How many snapshot records are written at a time. */
    private static final int REWRITE_CHUNK = 4096;

    private final StoreTables table;

    private final AppendOnlyFile dataFile;

    private final WritePipeline pipeline;

    private final WritePipeline.LiveBytes liveBytes;

    private final ReentrantLock running = new ReentrantLock();

    private volatile Instant lastCompaction;

    private boolean closed;

    Compactor(StoreTables table, AppendOnlyFile dataFile, WritePipeline pipeline, WritePipeline.LiveBytes liveBytes) {
        this.table = table;
        this.dataFile = dataFile;
        this.pipeline = pipeline;
        this.liveBytes = liveBytes;
    }

    Instant lastCompaction() {
        return this.lastCompaction;
    }

    CompactionResult compact() throws IOException {
        this.running.lock();
        try {
            if (this.closed) {
                throw new DataFileException("the data file " + this.dataFile.path() + " is closed: the server is "
                        + "shutting down");
            }
            return doCompact();
        }
        finally {
            this.running.unlock();
        }
    }

    /** Runs {@code close} once no compaction runs, and never lets one start after it. */
    void closeAfterRunning(WritePipeline.Step close) throws IOException {
        this.running.lock();
        try {
            if (this.closed) {
                return;
            }
            this.closed = true;
            close.run();
        }
        finally {
            this.running.unlock();
        }
    }

    private CompactionResult doCompact() throws IOException {
        long started = System.nanoTime();
        Instant startedAt = Instant.now();
        // When each part ended, to set the slowest writes of a compaction against its parts.
        long[] ended = new long[Phase.values().length];
        long bytesBefore = this.dataFile.size();
        // The new file is made before writers are held: creating a file can wait for the file
        // system's journal while another file is fsynced.
        AppendOnlyFile.Rewrite[] rewrite = { this.dataFile.prepareRewrite() };
        KeyTable.Snapshot[] snapshot = new KeyTable.Snapshot[1];
        java.util.Map<ByteKey, Object> objects = new java.util.HashMap<>();
        java.util.Map<ByteKey, Long> deadlines = new java.util.HashMap<>();
        long stallAtStart;
        try {
            ended[Phase.PREPARE.ordinal()] = System.nanoTime();
            // Writers wait only for this step: the snapshot marks the table's end, it copies nothing.
            stallAtStart = timed(() -> this.pipeline.runBetweenGroups(() -> {
                String failure = this.dataFile.failure();
                if (failure != null) {
                    throw new DataFileException(failure);
                }
                rewrite[0].begin();
                snapshot[0] = this.table.strings.snapshot();
                // Collections are never changed once published, so copying the map copies their
                // state; linear in the keys of other types and the keys with a deadline, not in
                // their elements.
                objects.putAll(this.table.objects);
                deadlines.putAll(this.table.deadlines);
            }));
            ended[Phase.START.ordinal()] = System.nanoTime();
        }
        catch (IOException | RuntimeException ex) {
            try {
                this.pipeline.runBetweenGroups(rewrite[0]::abort);
            }
            catch (IOException | RuntimeException refused) {
                // The pipeline takes no more steps (it is stopping), so no append races this one.
                rewrite[0].abort();
                ex.addSuppressed(refused);
            }
            throw ex;
        }
        RecordBatch chunk = new RecordBatch();
        long[] keys = new long[1];
        try {
            // The snapshot is walked a chunk at a time while writes go on; records never move
            // while it is open, so every entry not written meanwhile is met exactly once.
            long now = System.currentTimeMillis();
            KeyTable.EntryVisitor toChunk = deadlines.isEmpty() ? (b, ko, kl, vo, vl) -> chunk.put(b, ko, kl, b, vo, vl)
                    : (b, ko, kl, vo, vl) -> {
                        byte[] key = java.util.Arrays.copyOfRange(b, ko, ko + kl);
                        Long deadline = deadlines.get(new ByteKey(key));
                        if (deadline == null) {
                            chunk.put(b, ko, kl, b, vo, vl);
                        }
                        else if (deadline > now) {
                            chunk.operation("setat", key, PendingChanges.decimal(deadline),
                                    java.util.Arrays.copyOfRange(b, vo, vo + vl));
                        }
                    };
            boolean more;
            do {
                more = snapshot[0].next(REWRITE_CHUNK, toChunk);
                keys[0] += chunk.recordCount();
                rewrite[0].write(chunk);
                chunk.clear();
            }
            while (more);
            for (java.util.Map.Entry<ByteKey, Object> entry : objects.entrySet()) {
                Long deadline = deadlines.get(entry.getKey());
                if (deadline != null && deadline <= now) {
                    continue;
                }
                PendingChanges.dump(entry.getKey().bytes(), entry.getValue(), chunk);
                if (deadline != null) {
                    chunk.operation("pexpireat", entry.getKey().bytes(), PendingChanges.decimal(deadline));
                }
                keys[0]++;
                if (chunk.length() >= 1 << 20) {
                    rewrite[0].write(chunk);
                    chunk.clear();
                }
            }
            rewrite[0].write(chunk);
            chunk.clear();
            ended[Phase.SNAPSHOT.ordinal()] = System.nanoTime();
            // The writes made meanwhile, so far, while writers go on; then everything to disk,
            // so that the switch writes only the last few and the fsync before the rename is short.
            rewrite[0].catchUp();
            ended[Phase.CATCH_UP.ordinal()] = System.nanoTime();
            rewrite[0].syncSnapshot();
            ended[Phase.SNAPSHOT_FSYNC.ordinal()] = System.nanoTime();
        }
        catch (IOException | RuntimeException ex) {
            snapshot[0].close();
            this.pipeline.runBetweenGroups(rewrite[0]::abort);
            throw ex;
        }
        long[] carried = new long[1];
        long stallAtSwitch;
        try {
            // Writers wait only for this: the last few carried records written, appends pointed at
            // the new file; the old one goes on receiving them until the new one is durably in place.
            stallAtSwitch = timed(() -> this.pipeline.runBetweenGroups(() -> {
                carried[0] = rewrite[0].pendingRecords();
                rewrite[0].switchOver();
            }));
            ended[Phase.SWITCH.ordinal()] = System.nanoTime();
        }
        finally {
            snapshot[0].close();
        }
        try {
            // The new file's fsync, the rename and the folder's fsync, while writers go on.
            rewrite[0].install();
            ended[Phase.INSTALL.ordinal()] = System.nanoTime();
        }
        catch (IOException | RuntimeException ex) {
            this.pipeline.runBetweenGroups(rewrite[0]::abandon);
            throw ex;
        }
        AppendOnlyFile.ReplacedFile[] replaced = new AppendOnlyFile.ReplacedFile[1];
        long stallAtEnd = timed(() -> this.pipeline.runBetweenGroups(() -> replaced[0] = rewrite[0].dropReplaced()));
        // Closed once writers go on: the last close of a file without a name frees its blocks and
        // its cached pages, which took 20 to 40 ms for a 58 MB file, longer than any step above.
        ended[Phase.END.ordinal()] = System.nanoTime();
        replaced[0].close();
        ended[Phase.CLOSE.ordinal()] = System.nanoTime();
        this.lastCompaction = Instant.now();
        long bytesAfter = this.dataFile.size();
        long longestStall = Math.max(stallAtStart, Math.max(stallAtSwitch, stallAtEnd));
        CompactionResult result = new CompactionResult(bytesBefore, bytesAfter, keys[0], carried[0],
                Duration.ofNanos(System.nanoTime() - started), Duration.ofNanos(longestStall), null);
        log.debug("Compacted {}: {} -> {} bytes ({} reclaimed), {} live keys, {} writes carried over, took {} ms, "
                + "writers held back at most {} ms (at the start {} us, at the switch {} us, at the end {} us)",
                this.dataFile.path(), bytesBefore, bytesAfter, result.reclaimedBytes(), keys[0], carried[0],
                result.duration().toMillis(), result.longestWriteStall().toMillis(), stallAtStart / 1000,
                stallAtSwitch / 1000, stallAtEnd / 1000);
        if (log.isDebugEnabled()) {
            StringBuilder parts = new StringBuilder();
            for (Phase phase : Phase.values()) {
                parts.append(parts.isEmpty() ? "" : ", ").append(phase.name().toLowerCase(java.util.Locale.ROOT))
                        .append(' ').append((ended[phase.ordinal()] - started) / 1000);
            }
            log.debug("Compaction of {} began at {}; its parts ended at (us after it began): {}", this.dataFile.path(),
                    startedAt, parts);
        }
        return result;
    }

    /** The parts of a compaction, in order; only START, SWITCH and END hold writers back. */
    private enum Phase {
        PREPARE, START, SNAPSHOT, CATCH_UP, SNAPSHOT_FSYNC, SWITCH, INSTALL, END, CLOSE
    }

    private static long timed(WritePipeline.Step step) throws IOException {
        long started = System.nanoTime();
        step.run();
        return System.nanoTime() - started;
    }
}
