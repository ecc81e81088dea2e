package io.keystonelight.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.DataFileException;
import io.keystonelight.persistence.RecordBatch;

/**
 * Makes writes durable in groups and only then applies them, as Redis does under
 * {@code appendfsync always}: every write submitted while the previous group was being written
 * and fsynced goes into the next group, which costs one write call and one fsync however many
 * connections and event loops it came from. One thread, the committer, does all of it, so
 * nothing else ever waits for the disk: a submitter gets a future that completes once its write
 * is durable and visible.
 *
 * <p>The table only ever holds what the data file holds, so no reader can see a value that a
 * crash could still take away; and a group that could not be persisted changes nothing.
 *
 * <p>When the data file is not fsynced on every write ({@code everysec}, {@code no}) a write
 * costs one {@code write} call that does not wait for the disk, so a submitter commits its write
 * itself, on its own thread, waiting if need be for another loop's commit to end, rather than
 * waking the committer and being woken again: the hand-off would cost more than the write. The
 * committer then only runs compaction's steps and what they held back.
 */
final class WritePipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WritePipeline.class);

    /** Bounds one group, so that a flood of writes still gets answered in steady steps. */
    private static final int MAX_GROUP = 4096;

    /**
     * Tries of the commit lock before an inline commit parks for it: another loop's inline
     * commit takes a few microseconds, a park and its wake-up about as much again.
     */
    private static final int INLINE_SPINS = 200;

    private final ConcurrentLinkedQueue<Pending<?>> queue = new ConcurrentLinkedQueue<>();

    private final AtomicBoolean sleeping = new AtomicBoolean();

    private final StoreTables table;

    private final AppendOnlyFile dataFile;

    private final LiveBytes liveBytes;

    private final RecordBatch records = new RecordBatch();

    private final Thread committer;

    /** Held while a group is committed: by the committer, or by a submitter committing inline. */
    private final java.util.concurrent.locks.ReentrantLock committing = new java.util.concurrent.locks.ReentrantLock();

    private final boolean commitsInline;

    private volatile boolean stopping;

    /** Set while the committer holds the commit lock, which it may keep for a compaction step. */
    private volatile boolean committerBusy;

    /** Groups the committer thread committed: every one was handed over by another thread. */
    private volatile long committerGroups;

    private long groups;

    private long writes;

    WritePipeline(StoreTables table, AppendOnlyFile dataFile, LiveBytes liveBytes) {
        this.table = table;
        this.dataFile = dataFile;
        this.liveBytes = liveBytes;
        this.commitsInline = dataFile.fsyncPolicy() != io.keystonelight.persistence.FsyncPolicy.ALWAYS;
        this.committer = new Thread(this::run, "write-pipeline");
        this.committer.setDaemon(true);
        this.committer.start();
    }

    /** Queues {@code write}; the future completes once it is durable and applied, or refused. */
    <R> CompletableFuture<R> submit(Write<R> write) {
        Pending.OfWrite<R> pending = new Pending.OfWrite<>(write);
        if (this.commitsInline && !this.stopping && this.queue.isEmpty() && !this.committerBusy
                && lockForInlineCommit()) {
            try {
                // Under the lock an empty queue means every write submitted before this one is
                // committed: committing it now keeps the order.
                if (this.queue.isEmpty() && !this.stopping) {
                    commitOrRefuse(List.of(pending));
                    return pending.result;
                }
            }
            finally {
                this.committing.unlock();
            }
        }
        enqueue(pending);
        return pending.result;
    }

    /**
     * Takes the commit lock for a write committed on its own thread. Held by another event loop's
     * inline commit, the lock is free again within one {@code write} call: waiting for it costs
     * less than handing the write to the committer, which takes a wake-up of the committer and
     * another of this loop for the reply. Held by the committer (a compaction step, or writes
     * queued at shutdown) it may stay taken for longer, so the write goes to the queue instead.
     */
    private boolean lockForInlineCommit() {
        for (int spin = 0; spin < INLINE_SPINS; spin++) {
            if (this.committing.tryLock()) {
                return true;
            }
            if (this.committerBusy) {
                return false;
            }
            Thread.onSpinWait();
        }
        this.committing.lock();
        return true;
    }

    /**
     * Runs {@code step} between two groups, so that no write is applied while it runs; returns
     * once it ran. Compaction's short steps use it.
     */
    void runBetweenGroups(Step step) throws IOException {
        if (this.commitsInline && ranBetweenInlineCommits(step)) {
            return;
        }
        Pending.OfStep pending = new Pending.OfStep(step);
        enqueue(pending);
        try {
            pending.result.join();
        }
        catch (java.util.concurrent.CompletionException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw ex;
        }
    }

    /**
     * When writes commit inline the committer sleeps, and waking it to run the step held every
     * writer for its wake-up too: on a busy machine that was most of a compaction's start step
     * (3 to 34 ms against a step of under a millisecond). The caller, already running, takes the
     * commit lock the way an inline commit does and runs the step itself, as soon as the commit
     * in flight ends. Writes already queued (a step of the committer's in progress, or shutting
     * down) go first, on the committer, so the step waits its turn behind them.
     * @return false when the step still has to go through the queue
     */
    private boolean ranBetweenInlineCommits(Step step) throws IOException {
        this.committing.lock();
        try {
            if (!this.queue.isEmpty() || this.stopping) {
                return false;
            }
            step.run();
            return true;
        }
        finally {
            this.committing.unlock();
        }
    }

    @FunctionalInterface
    interface Step {

        void run() throws IOException;
    }

    private void enqueue(Pending<?> pending) {
        if (this.stopping) {
            pending.fail(new WriteRefusedException("the server is shutting down", null));
            return;
        }
        this.queue.offer(pending);
        if (this.sleeping.get()) {
            LockSupport.unpark(this.committer);
        }
    }

    private void run() {
        List<Pending.OfWrite<?>> group = new ArrayList<>();
        while (true) {
            if (this.queue.isEmpty()) {
                if (this.stopping) {
                    return;
                }
                this.sleeping.set(true);
                if (this.queue.isEmpty() && !this.stopping) {
                    LockSupport.park(this);
                }
                this.sleeping.set(false);
                continue;
            }
            this.committing.lock();
            this.committerBusy = true;
            try {
                Pending<?> next = this.queue.poll();
                while (next instanceof Pending.OfWrite<?> write) {
                    group.add(write);
                    if (group.size() == MAX_GROUP) {
                        next = null;
                        break;
                    }
                    next = this.queue.poll();
                }
                if (!group.isEmpty()) {
                    commitOrRefuse(group);
                    this.committerGroups++;
                    group.clear();
                }
                if (next instanceof Pending.OfStep step) {
                    step.runNow();
                }
            }
            finally {
                this.committerBusy = false;
                this.committing.unlock();
            }
        }
    }

    /**
     * Commits the group; should anything nobody expected go wrong, its writes are refused and the
     * committer goes on, rather than leave every later write waiting for a thread that died.
     */
    private void commitOrRefuse(List<Pending.OfWrite<?>> group) {
        try {
            commit(group);
        }
        catch (RuntimeException | Error ex) {
            log.error("Committing {} writes failed unexpectedly; they are refused", group.size(), ex);
            WriteRefusedException refusal = new WriteRefusedException("internal error: " + ex, ex);
            for (Pending.OfWrite<?> write : group) {
                write.fail(refusal);
            }
        }
    }

    private void commit(List<Pending.OfWrite<?>> group) {
        this.records.clear();
        PendingChanges changes = new PendingChanges(this.table, this.records);
        Object[] results = new Object[group.size()];
        RuntimeException[] rejected = new RuntimeException[group.size()];
        for (int i = 0; i < group.size(); i++) {
            try {
                results[i] = changes.apply(group.get(i).write);
            }
            catch (WriteRejectedException ex) {
                rejected[i] = ex;
            }
            catch (RuntimeException ex) {
                log.error("A write failed unexpectedly: {}", group.get(i).write, ex);
                rejected[i] = ex;
            }
        }
        try {
            this.dataFile.append(this.records);
        }
        catch (DataFileException ex) {
            changes.discard();
            WriteRefusedException refusal = new WriteRefusedException(ex.getMessage(), ex);
            for (Pending.OfWrite<?> write : group) {
                write.fail(refusal);
            }
            return;
        }
        catch (RuntimeException ex) {
            log.error("Committing {} writes failed unexpectedly", group.size(), ex);
            changes.discard();
            WriteRefusedException refusal = new WriteRefusedException("internal error: " + ex, ex);
            for (Pending.OfWrite<?> write : group) {
                write.fail(refusal);
            }
            return;
        }
        if (changes.clearsAll()) {
            this.liveBytes.reset();
        }
        this.liveBytes.add(changes.applyToTable());
        changes.reportEvents();
        this.groups++;
        this.writes += group.size();
        for (int i = 0; i < group.size(); i++) {
            if (rejected[i] != null) {
                group.get(i).fail(rejected[i]);
            }
            else {
                group.get(i).succeed(results[i]);
            }
        }
    }

    /** The thread that commits groups under {@code fsync always}, for its allocation counter. */
    Thread committer() {
        return this.committer;
    }

    /**
     * Groups committed and writes in them since start (how well fsyncs are shared), and the
     * groups of those the committer thread committed (writes handed over to it).
     */
    long[] counts() {
        return new long[] { this.groups, this.writes, this.committerGroups };
    }

    /**
     * Commits what is queued, then stops; writes submitted afterwards are refused. Returns once
     * the committer has finished.
     */
    @Override
    public void close() {
        this.stopping = true;
        LockSupport.unpark(this.committer);
        try {
            this.committer.join();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        Pending<?> left;
        while ((left = this.queue.poll()) != null) {
            left.fail(new WriteRefusedException("the server is shutting down", null));
        }
    }

    /** A write or step waiting for the committer. */
    private abstract static sealed class Pending<R> {

        final CompletableFuture<R> result = new CompletableFuture<>();

        void fail(Throwable cause) {
            this.result.completeExceptionally(cause);
        }

        static final class OfWrite<R> extends Pending<R> {

            final Write<R> write;

            OfWrite(Write<R> write) {
                this.write = write;
            }

            @SuppressWarnings("unchecked")
            void succeed(Object value) {
                this.result.complete((R) value);
            }
        }

        static final class OfStep extends Pending<Void> {

            final Step step;

            OfStep(Step step) {
                this.step = step;
            }

            void runNow() {
                try {
                    this.step.run();
                    this.result.complete(null);
                }
                catch (IOException | RuntimeException | Error ex) {
                    this.result.completeExceptionally(ex);
                }
            }
        }
    }

    /** The bytes of the records that hold live entries: the rest of the file is reclaimable. */
    static final class LiveBytes {

        private volatile long value;

        long get() {
            return this.value;
        }

        void add(long delta) {
            // Only the committer (or the replay before it starts) changes it.
            this.value += delta;
        }

        /** Every key was deleted. */
        void reset() {
            this.value = 0;
        }
    }
}
