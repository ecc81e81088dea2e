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
 * are kept aside and added after the snapshot), then the new file is fsynced, renamed over the
 * old one and the folder fsynced. A crash at any moment leaves the old file or the new one,
 * complete. Reads are never held back; writes only while a step runs on the write pipeline's
 * committer.
 */
final class Compactor {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    /** How many snapshot records are written at a time. */
    private static final int REWRITE_CHUNK = 4096;

    private final EntryTable table;

    private final AppendOnlyFile dataFile;

    private final WritePipeline pipeline;

    private final WritePipeline.LiveBytes liveBytes;

    private final ReentrantLock running = new ReentrantLock();

    private volatile Instant lastCompaction;

    private boolean closed;

    Compactor(EntryTable table, AppendOnlyFile dataFile, WritePipeline pipeline, WritePipeline.LiveBytes liveBytes) {
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
        long bytesBefore = this.dataFile.size();
        AppendOnlyFile.Rewrite[] rewrite = new AppendOnlyFile.Rewrite[1];
        KeyTable.Snapshot[] snapshot = new KeyTable.Snapshot[1];
        // Writers wait only for this step: the snapshot marks the table's end, it copies nothing.
        long stallAtStart = timed(() -> this.pipeline.runBetweenGroups(() -> {
            String failure = this.dataFile.failure();
            if (failure != null) {
                throw new DataFileException(failure);
            }
            rewrite[0] = this.dataFile.beginRewrite();
            snapshot[0] = this.table.snapshot();
        }));
        RecordBatch chunk = new RecordBatch();
        long[] keys = new long[1];
        try {
            // The snapshot is walked a chunk at a time while writes go on; records never move
            // while it is open, so every entry not written meanwhile is met exactly once.
            KeyTable.EntryVisitor toChunk = (b, ko, kl, vo, vl) -> chunk.put(b, ko, kl, b, vo, vl);
            boolean more;
            do {
                more = snapshot[0].next(REWRITE_CHUNK, toChunk);
                keys[0] += chunk.recordCount();
                rewrite[0].write(chunk);
                chunk.clear();
            }
            while (more);
            // The writes made meanwhile, so far, while writers go on; then everything to disk,
            // so that the final step writes and fsyncs only the last few.
            rewrite[0].catchUp();
            rewrite[0].syncSnapshot();
        }
        catch (IOException | RuntimeException ex) {
            snapshot[0].close();
            this.pipeline.runBetweenGroups(rewrite[0]::abort);
            throw ex;
        }
        long[] carried = new long[1];
        long stallAtEnd;
        try {
            stallAtEnd = timed(() -> this.pipeline.runBetweenGroups(() -> {
                carried[0] = rewrite[0].pendingRecords();
                rewrite[0].finish();
            }));
        }
        finally {
            snapshot[0].close();
        }
        this.lastCompaction = Instant.now();
        long bytesAfter = this.dataFile.size();
        CompactionResult result = new CompactionResult(bytesBefore, bytesAfter, keys[0], carried[0],
                Duration.ofNanos(System.nanoTime() - started), Duration.ofNanos(Math.max(stallAtStart, stallAtEnd)), null);
        log.debug("Compacted {}: {} -> {} bytes ({} reclaimed), {} live keys, {} writes carried over, took {} ms, "
                + "writers held back at most {} ms", this.dataFile.path(), bytesBefore, bytesAfter,
                result.reclaimedBytes(), keys[0], carried[0], result.duration().toMillis(),
                result.longestWriteStall().toMillis());
        return result;
    }

    private static long timed(WritePipeline.Step step) throws IOException {
        long started = System.nanoTime();
        step.run();
        return System.nanoTime() - started;
    }
}
