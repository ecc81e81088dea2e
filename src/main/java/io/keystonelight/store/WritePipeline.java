package io.keystonelight.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
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
 *
 * <p>A write submitted on an event loop is held until the loop has handled everything its
 * current round brought (every read of one {@code epoll_wait}), then the round's writes go on
 * together: to the committer in one hand-off and one wake-up, so that they share its next fsync,
 * or, under {@code everysec}, committed inline as one group, one {@code write} call. The
 * committer answers each loop once per group, with one task carrying all of its writes, rather
 * than once per write. Nothing goes to the committer before its round ends, even while the
 * committer is idle: with many pipelining clients the first read's writes alone would then take
 * the next fsync and the rest of the round would wait for the one after (measured at pipeline 16:
 * 280-300 writes per fsync with such an early hand-over, 330-350 without).
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

    /** Single writes and steps ({@link Pending}), and the writes of a loop's round ({@link HeldWrites}). */
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();

    /**
     * The round of the calling thread when it is an event loop, which runs something at the end
     * of its round; {@code null} on any other thread, whose writes go on at once.
     */
    private final ThreadLocal<Round> rounds = ThreadLocal.withInitial(() -> Round.ofCurrentThread(this));

    /** The rounds the committer has answers for in the group it is finishing; its own. */
    private final List<Round> answered = new ArrayList<>();

    private final AtomicBoolean sleeping = new AtomicBoolean();

    private final StoreTables table;

    private final AppendOnlyFile dataFile;

    private final LiveBytes liveBytes;

    private final RecordBatch records = new RecordBatch();

    /** The changes of the group being committed, reused from group to group; under {@link #committing}. */
    private final PendingChanges changes;

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
        this.changes = new PendingChanges(table, this.records);
        this.commitsInline = dataFile.fsyncPolicy() != io.keystonelight.persistence.FsyncPolicy.ALWAYS;
        this.committer = new Thread(this::run, "write-pipeline");
        this.committer.setDaemon(true);
        this.committer.start();
    }

    /** Queues {@code write}; the future completes once it is durable and applied, or refused. */
    <R> CompletableFuture<R> submit(Write<R> write) {
        Promise<R> result = new Promise<>();
        submit(write, result);
        return result;
    }

    /**
     * Queues {@code write}; {@code done} is told its outcome once it is durable and applied, or
     * refused, on the event loop that submitted it. A write of an event loop makes no object of
     * its own here: its place in the round is one the loop reuses.
     */
    void submit(Write<?> write, WriteCompletion done) {
        Round round = this.rounds.get();
        if (round != null && round.hold(write, done)) {
            return;
        }
        Pending.OfWrite pending = new Pending.OfWrite(write, done);
        if (this.commitsInline && !this.stopping && this.queue.isEmpty() && !this.committerBusy
                && lockForInlineCommit()) {
            try {
                // Under the lock an empty queue means every write submitted before this one is
                // committed: committing it now keeps the order.
                if (this.queue.isEmpty() && !this.stopping) {
                    commitOrRefuse(List.of(pending));
                    return;
                }
            }
            finally {
                this.committing.unlock();
            }
        }
        enqueue(pending);
    }

    /**
     * The end of an event loop's round: its writes go on as one group, committed here under
     * {@code everysec} when nothing is queued before them, else handed to the committer at once.
     */
    private void endRound(Round round) {
        HeldWrites held = round.held;
        if (held.isEmpty()) {
            return;
        }
        // A write submitted while these are answered belongs to the next round.
        round.held = round.spare != null ? round.spare : round.returnedOrNew();
        round.spare = null;
        if (this.commitsInline && !this.stopping && this.queue.isEmpty() && !this.committerBusy
                && lockForInlineCommit()) {
            try {
                if (this.queue.isEmpty() && !this.stopping) {
                    commitOrRefuse(held);
                    held.clear();
                    round.spare = held;
                    return;
                }
            }
            finally {
                this.committing.unlock();
            }
        }
        // Given to the committer, which keeps the list until the group is committed.
        if (this.stopping) {
            refuseAtShutdown(held);
            return;
        }
        this.queue.offer(held);
        if (this.sleeping.get()) {
            LockSupport.unpark(this.committer);
        }
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

    private void enqueue(Pending pending) {
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
        List<Pending.OfWrite> group = new ArrayList<>();
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
                Object next = this.queue.poll();
                while (next instanceof Pending.OfWrite || next instanceof HeldWrites) {
                    if (next instanceof HeldWrites round) {
                        // A round's writes stay together: that they share one fsync is the point.
                        group.addAll(round);
                        round.giveBack();
                    }
                    else {
                        group.add((Pending.OfWrite) next);
                    }
                    if (group.size() >= MAX_GROUP) {
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
    private void commitOrRefuse(List<Pending.OfWrite> group) {
        try {
            commit(group);
        }
        catch (RuntimeException | Error ex) {
            log.error("Committing {} writes failed unexpectedly; they are refused", group.size(), ex);
            WriteRefusedException refusal = new WriteRefusedException("internal error: " + ex, ex);
            for (Pending.OfWrite write : group) {
                write.outcome(null, refusal);
            }
            answer(group);
        }
    }

    private void commit(List<Pending.OfWrite> group) {
        this.records.clear();
        PendingChanges changes = this.changes.nextGroup();
        // Each write keeps its own outcome until it is answered: no arrays of results per group.
        for (int i = 0; i < group.size(); i++) {
            Pending.OfWrite write = group.get(i);
            try {
                write.outcome(changes.apply(write.write), null);
            }
            catch (WriteRejectedException ex) {
                write.outcome(null, ex);
            }
            catch (RuntimeException ex) {
                log.error("A write failed unexpectedly: {}", write.write, ex);
                write.outcome(null, ex);
            }
        }
        try {
            this.dataFile.append(this.records);
        }
        catch (DataFileException ex) {
            changes.discard();
            WriteRefusedException refusal = new WriteRefusedException(ex.getMessage(), ex);
            for (Pending.OfWrite write : group) {
                write.outcome(null, refusal);
            }
            answer(group);
            return;
        }
        catch (RuntimeException ex) {
            log.error("Committing {} writes failed unexpectedly", group.size(), ex);
            changes.discard();
            WriteRefusedException refusal = new WriteRefusedException("internal error: " + ex, ex);
            for (Pending.OfWrite write : group) {
                write.outcome(null, refusal);
            }
            answer(group);
            return;
        }
        if (changes.clearsAll()) {
            this.liveBytes.reset();
        }
        this.liveBytes.add(changes.applyToTable());
        changes.reportEvents();
        // Holds no value of this group until the next one: they may be large.
        changes.discard();
        this.groups++;
        this.writes += group.size();
        answer(group);
    }

    /**
     * Completes the group's writes: those of this thread, or of no round, here; those of another
     * event loop's round on that loop, in one task per loop, which is then woken once for the
     * whole group rather than once per write.
     */
    private void answer(List<Pending.OfWrite> group) {
        Thread here = Thread.currentThread();
        boolean onCommitter = here == this.committer;
        for (int i = 0; i < group.size(); i++) {
            Pending.OfWrite write = group.get(i);
            Round round = write.round;
            if (round == null) {
                write.complete();
            }
            else if (round.thread == here) {
                write.complete();
                round.recycle(write);
            }
            else if (round.arrive(write)) {
                if (onCommitter) {
                    this.answered.add(round);
                }
                else {
                    round.dispatch();
                }
            }
        }
        if (onCommitter) {
            for (int i = 0; i < this.answered.size(); i++) {
                this.answered.get(i).dispatch();
            }
            this.answered.clear();
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
        Object left;
        while ((left = this.queue.poll()) != null) {
            if (left instanceof HeldWrites round) {
                refuseAtShutdown(round);
            }
            else {
                ((Pending) left).fail(new WriteRefusedException("the server is shutting down", null));
            }
        }
    }

    private void refuseAtShutdown(List<Pending.OfWrite> writes) {
        for (Pending.OfWrite write : writes) {
            write.outcome(null, new WriteRefusedException("the server is shutting down", null));
        }
        answer(writes);
    }

    /** A write or step waiting for the committer. */
    private abstract static sealed class Pending {

        abstract void fail(Throwable cause);

        /**
         * A write and whom to tell its outcome. Those of an event loop's round are the loop's,
         * reused from write to write once answered ({@link Round#recycle}).
         */
        static final class OfWrite extends Pending {

            Write<?> write;

            WriteCompletion done;

            /** The event loop round it was submitted in, which its answer goes back to; or {@code null}. */
            Round round;

            private Object value;

            private Throwable failure;

            OfWrite(Write<?> write, WriteCompletion done) {
                this.write = write;
                this.done = done;
            }

            /** Its outcome, kept until {@link #complete} on the thread that answers it. */
            void outcome(Object value, Throwable failure) {
                this.value = value;
                this.failure = failure;
            }

            @Override
            void fail(Throwable cause) {
                outcome(null, cause);
                complete();
            }

            /** Tells the outcome, then lets go of the write, its outcome and whom it told. */
            void complete() {
                WriteCompletion told = this.done;
                Object result = this.value;
                Throwable refused = this.failure;
                this.write = null;
                this.done = null;
                this.value = null;
                this.failure = null;
                try {
                    told.completed(result, refused);
                }
                catch (RuntimeException ex) {
                    // One connection's fault must not leave the rest of the group unanswered.
                    log.error("Answering a write failed", ex);
                }
            }
        }

        static final class OfStep extends Pending {

            final Step step;

            final CompletableFuture<Void> result = new CompletableFuture<>();

            OfStep(Step step) {
                this.step = step;
            }

            @Override
            void fail(Throwable cause) {
                this.result.completeExceptionally(cause);
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

    /** A write's future, for a caller that waits on one: completed as the write's completion. */
    private static final class Promise<R> extends CompletableFuture<R> implements WriteCompletion {

        @Override
        @SuppressWarnings("unchecked")
        public void completed(Object result, Throwable failure) {
            if (failure != null) {
                completeExceptionally(failure);
            }
            else {
                complete((R) result);
            }
        }
    }

    /**
     * The writes of one event loop round, handed to the committer as one, and handed back to
     * the loop empty once the committer took them into its group, for a later round.
     */
    private static final class HeldWrites extends ArrayList<Pending.OfWrite> {

        private static final long serialVersionUID = 1L;

        private final transient Round owner;

        HeldWrites(Round owner) {
            this.owner = owner;
        }

        /** On the committer, once its writes are in the group: the loop may fill it again. */
        void giveBack() {
            clear();
            this.owner.returned(this);
        }
    }

    /**
     * One event loop's writes: those of its current round, held until the round ends, and the
     * answers the committer has for it, completed on the loop in one task.
     */
    static final class Round {

        final Thread thread;

        private final SingleThreadEventLoop loop;

        private final Runnable end;

        /** Only the loop's thread touches it. */
        private HeldWrites held = new HeldWrites(this);

        /** The list of the last round committed inline, for the next; only the loop's thread touches it. */
        private HeldWrites spare;

        /** A list the committer emptied, for the next round; guarded by the round. */
        private HeldWrites returned;

        /**
         * Places of writes answered, for the writes of later rounds: a write of a loop makes no
         * object, once the loop has as many as it has writes in flight. Only the loop's thread
         * touches them.
         */
        private Pending.OfWrite[] free = new Pending.OfWrite[16];

        private int freeCount;

        private boolean endScheduled;

        /** Answers the committer handed over, guarded by the round. */
        private List<Pending.OfWrite> arrived = new ArrayList<>();

        private boolean drainScheduled;

        /** What the loop completes; only the loop's thread touches it. */
        private List<Pending.OfWrite> draining = new ArrayList<>();

        private final Runnable drain = this::drain;

        private Round(SingleThreadEventLoop loop, WritePipeline pipeline) {
            this.thread = Thread.currentThread();
            this.loop = loop;
            this.end = () -> {
                this.endScheduled = false;
                pipeline.endRound(this);
            };
        }

        /**
         * The round of the calling thread if it is an I/O event loop, {@code null} if not: only
         * those run the tasks left for the end of a round (a plain executing loop never does).
         */
        static Round ofCurrentThread(WritePipeline pipeline) {
            EventExecutor executor = ThreadExecutorMap.currentExecutor();
            if (executor instanceof SingleThreadIoEventLoop loop && loop.inEventLoop()) {
                return new Round(loop, pipeline);
            }
            return null;
        }

        /** Holds {@code write} until the round ends; {@code false} if the loop takes no more tasks. */
        boolean hold(Write<?> write, WriteCompletion done) {
            if (!this.endScheduled) {
                try {
                    this.loop.executeAfterEventLoopIteration(this.end);
                }
                catch (RejectedExecutionException ex) {
                    return false;
                }
                this.endScheduled = true;
            }
            Pending.OfWrite pending;
            if (this.freeCount > 0) {
                pending = this.free[--this.freeCount];
                this.free[this.freeCount] = null;
                pending.write = write;
                pending.done = done;
            }
            else {
                pending = new Pending.OfWrite(write, done);
                pending.round = this;
            }
            this.held.add(pending);
            return true;
        }

        /** On the loop, once {@code answered} was completed: its place serves a later write. */
        void recycle(Pending.OfWrite answered) {
            if (this.freeCount == this.free.length) {
                if (this.freeCount >= MAX_GROUP) {
                    return;
                }
                this.free = java.util.Arrays.copyOf(this.free, this.freeCount * 2);
            }
            this.free[this.freeCount++] = answered;
        }

        /** The list for the next round: one the committer gave back, or a new one. */
        HeldWrites returnedOrNew() {
            synchronized (this) {
                HeldWrites list = this.returned;
                if (list != null) {
                    this.returned = null;
                    return list;
                }
            }
            return new HeldWrites(this);
        }

        synchronized void returned(HeldWrites list) {
            this.returned = list;
        }

        /** Takes an answer; {@code true} if the round must be {@linkplain #dispatch dispatched} for it. */
        synchronized boolean arrive(Pending.OfWrite write) {
            this.arrived.add(write);
            if (this.drainScheduled) {
                return false;
            }
            this.drainScheduled = true;
            return true;
        }

        void dispatch() {
            try {
                this.loop.execute(this.drain);
            }
            catch (RejectedExecutionException ex) {
                // The loop stopped: its connections are gone, but a caller outside it may still wait.
                List<Pending.OfWrite> answers;
                synchronized (this) {
                    answers = new ArrayList<>(this.arrived);
                    this.arrived.clear();
                    this.drainScheduled = false;
                }
                answers.forEach(Pending.OfWrite::complete);
            }
        }

        private void drain() {
            List<Pending.OfWrite> answers;
            synchronized (this) {
                answers = this.arrived;
                this.arrived = this.draining;
                this.draining = answers;
                this.drainScheduled = false;
            }
            for (int i = 0; i < answers.size(); i++) {
                Pending.OfWrite answer = answers.get(i);
                answer.complete();
                recycle(answer);
            }
            answers.clear();
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
