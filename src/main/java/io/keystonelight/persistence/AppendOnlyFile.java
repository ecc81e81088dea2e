package io.keystonelight.persistence;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only data file: every change to the store, in the order the store changed, as in
 * Redis's AOF and Bitcask's log.
 *
 * <p>Only one thread at a time appends or rewrites (the store's committing writer); the
 * once-a-second fsync of {@link FsyncPolicy#EVERYSEC} may run beside it. A lock on a file beside
 * the data file keeps a second server away.
 */
public final class AppendOnlyFile implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(AppendOnlyFile.class);

    private final Path path;

    private final FsyncPolicy fsyncPolicy;

    private final RepairMode repairMode;

    private final FileChannelOpener opener;

    private final FileChannel lockChannel;

    private final FileLock lock;

    /** Guards the swap of {@link #channel} and {@link #replaced}, held only for the swap itself. */
    private final Object channelSwap = new Object();

    /**
     * Held by the background fsync while it forces, and by whoever closes a channel it may be
     * forcing. Never taken by the committing writer while writes wait: an fsync of a second's
     * appends took up to 194 ms on a busy disk, and a compaction's switch waited for it when both
     * shared {@link #channelSwap}. Taken before {@link #channelSwap} when both are.
     */
    private final Object forcing = new Object();

    private volatile FileChannel channel;

    /**
     * The file a compaction replaced, still written like {@link #channel} from the switch to the
     * new file until the rename of the new file over it is durable: a crash in between finds
     * either one under the data file's name, and either holds every acknowledged write.
     */
    private volatile FileChannel replaced;

    /** Bytes of whole records in {@link #replaced}. */
    private long replacedSize;

    /** Records in {@link #replaced}. */
    private long replacedRecords;

    private volatile long size;

    private volatile long records;

    private volatile boolean dirty;

    /** Why nothing more is written: an fsync failed (the state on disk is unknown), or the file was closed. */
    private volatile String failure;

    private Rewrite rewrite;

    private boolean closed;

    // Figures for metrics: counted here, read by the meters and RESP INFO.
    private final java.util.concurrent.atomic.LongAdder fsyncs = new java.util.concurrent.atomic.LongAdder();

    private final java.util.concurrent.atomic.LongAdder fsyncNanos = new java.util.concurrent.atomic.LongAdder();

    private final java.util.concurrent.atomic.LongAdder rewrites = new java.util.concurrent.atomic.LongAdder();

    private AppendOnlyFile(Path path, FsyncPolicy fsyncPolicy, RepairMode repairMode, FileChannelOpener opener,
            FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.fsyncPolicy = fsyncPolicy;
        this.repairMode = repairMode;
        this.opener = opener;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Locks the data file against other servers, replays it into {@code sink}, cuts off a torn
     * tail, and opens it for appending.
     */
    public static AppendOnlyFile open(Path path, FsyncPolicy fsyncPolicy, RecordSink sink) throws IOException {
        return open(path, fsyncPolicy, sink, FileChannelOpener.DEFAULT);
    }

    /** As {@link #open(Path, FsyncPolicy, RecordSink)}, opening the file through {@code opener}. */
    public static AppendOnlyFile open(Path path, FsyncPolicy fsyncPolicy, RecordSink sink, FileChannelOpener opener)
            throws IOException {
        return open(path, fsyncPolicy, RepairMode.NONE, sink, opener);
    }

    /**
     * As {@link #open(Path, FsyncPolicy, RecordSink, FileChannelOpener)}; a file damaged before
     * its end is refused, or repaired as {@code repairMode} says.
     */
    public static AppendOnlyFile open(Path path, FsyncPolicy fsyncPolicy, RepairMode repairMode, RecordSink sink,
            FileChannelOpener opener) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path folder = absolute.getParent();
        Files.createDirectories(folder);
        Path lockPath = lockFileOf(absolute);
        OwnerOnlyFiles.createIfMissing(lockPath);
        FileChannel lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        }
        catch (OverlappingFileLockException ex) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new DataFileLockedException(path, lockPath);
        }
        AppendOnlyFile file = new AppendOnlyFile(path, fsyncPolicy, repairMode, opener, lockChannel, lock);
        try {
            file.recover(sink);
        }
        catch (IOException | RuntimeException ex) {
            file.close();
            throw ex;
        }
        return file;
    }

    /** The file beside {@code dataFile} whose lock says that a server has the data file open. */
    public static Path lockFileOf(Path dataFile) {
        Path absolute = dataFile.toAbsolutePath();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /**
     * Whether another process holds the lock of {@code dataFile} now. Creates nothing: a missing
     * lock file, or one this process may not open, answers {@code false}, and {@link #open} then
     * says what is wrong.
     */
    public static boolean isLockedByAnother(Path dataFile) {
        Path lockPath = lockFileOf(dataFile);
        if (!Files.isRegularFile(lockPath)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        }
        catch (OverlappingFileLockException ex) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private void recover(RecordSink sink) throws IOException {
        boolean existed = Files.exists(this.path);
        if (existed) {
            warnIfOpenToOthers(this.path);
        }
        else {
            OwnerOnlyFiles.createIfMissing(this.path);
        }
        FileChannel opened = this.opener.open(this.path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            if (!existed) {
                syncFolder(this.path);
                log.info("Created data file {}", this.path.toAbsolutePath());
            }
            long started = System.nanoTime();
            DataFileReplay.Result result;
            try {
                result = DataFileReplay.replay(this.path, opened, sink);
            }
            catch (DataFileCorruptException damage) {
                if (this.repairMode != RepairMode.TRUNCATE) {
                    throw damage;
                }
                // The sink holds exactly the records before the damaged line, which are what remains.
                DataFileRepair.Outcome repaired = DataFileRepair.truncateAt(damage, opened, this.path);
                result = new DataFileReplay.Result(repaired.validLength(), repaired.keptRecords(), 0);
            }
            if (result.tornBytes() > 0) {
                log.warn("Data file {} ends with an incomplete record ({} bytes at byte offset {}), as a crash or "
                        + "power loss leaves it; it was never acknowledged and is cut off.", this.path,
                        result.tornBytes(), result.validLength());
                opened.truncate(result.validLength());
                opened.force(true);
            }
            this.channel = opened;
            this.size = result.validLength();
            this.records = result.records();
            log.info("Replayed {} records ({} bytes) from {} in {} ms", result.records(), result.validLength(),
                    this.path, (System.nanoTime() - started) / 1_000_000);
        }
        catch (IOException | RuntimeException ex) {
            opened.close();
            throw ex;
        }
    }

    /**
     * Appends whole records. When this returns they are in the file, and on disk under
     * {@link FsyncPolicy#ALWAYS}; when it throws, the file holds none of them.
     */
    public void append(RecordBatch batch) {
        if (batch.isEmpty()) {
            return;
        }
        String failed = this.failure;
        if (failed != null) {
            throw new DataFileException(failed);
        }
        long start = this.size;
        FileChannel target = this.channel;
        FileChannel alsoTo = this.replaced;
        long alsoStart = this.replacedSize;
        try {
            writeFully(target, batch.asByteBuffer(), start);
        }
        catch (IOException ex) {
            rollBack(target, start, ex);
            throw new DataFileException("could not write to data file " + this.path + ": " + describe(ex), ex);
        }
        if (alsoTo != null) {
            try {
                writeFully(alsoTo, batch.asByteBuffer(), alsoStart);
            }
            catch (IOException ex) {
                rollBack(target, start, ex);
                rollBack(alsoTo, alsoStart, ex);
                throw new DataFileException("could not write to data file " + this.path + ": " + describe(ex), ex);
            }
        }
        if (this.fsyncPolicy == FsyncPolicy.ALWAYS) {
            try {
                long started = System.nanoTime();
                target.force(false);
                if (alsoTo != null) {
                    alsoTo.force(false);
                }
                countFsync(started);
            }
            catch (IOException ex) {
                DataFileException refused = fsyncFailed(ex);
                // These writers are told their writes failed, so take the records out again: a
                // restart should not bring them back. Only as far as the failing disk allows.
                cutRefused(target, start);
                if (alsoTo != null) {
                    cutRefused(alsoTo, alsoStart);
                }
                throw refused;
            }
        }
        else {
            this.dirty = true;
        }
        this.size = start + batch.length();
        if (alsoTo != null) {
            this.replacedSize = alsoStart + batch.length();
            this.replacedRecords += batch.recordCount();
        }
        this.records += batch.recordCount();
        Rewrite running = this.rewrite;
        if (running != null) {
            running.keepAside(batch);
        }
    }

    private void cutRefused(FileChannel target, long start) {
        try {
            target.truncate(start);
        }
        catch (IOException truncateFailed) {
            log.warn("Could not cut the refused records from data file {} again: {}", this.path,
                    describe(truncateFailed));
        }
    }

    /** The once-a-second fsync of {@link FsyncPolicy#EVERYSEC}; does nothing when nothing was written. */
    public void syncIfDirty() {
        if (!this.dirty || this.failure != null) {
            return;
        }
        synchronized (this.forcing) {
            FileChannel current;
            FileChannel alsoTo;
            synchronized (this.channelSwap) {
                if (this.closed) {
                    return;
                }
                this.dirty = false;
                current = this.channel;
                alsoTo = this.replaced;
            }
            // A swap meanwhile is fine: the new target was marked dirty by it and is forced next time,
            // and a channel read here is not closed until this lets go of forcing.
            try {
                long started = System.nanoTime();
                current.force(false);
                if (alsoTo != null) {
                    alsoTo.force(false);
                }
                countFsync(started);
            }
            catch (IOException ex) {
                throw fsyncFailed(ex);
            }
        }
    }

    private DataFileException fsyncFailed(IOException ex) {
        this.failure = "the data file " + this.path + " could not be fsynced (" + describe(ex) + "); its state on "
                + "disk is unknown, so the server accepts no more writes until it is restarted";
        log.error("fsync of data file {} failed: {}. Writes are refused from now on; reads go on. Check the disk, "
                + "then restart the server.", this.path, describe(ex));
        return new DataFileException(this.failure, ex);
    }

    private void rollBack(FileChannel target, long start, IOException cause) {
        try {
            target.truncate(start);
        }
        catch (IOException ex) {
            this.failure = "a failed write to data file " + this.path + " could not be undone (" + describe(ex)
                    + "); the server accepts no more writes until it is restarted";
            log.error("Write to data file {} failed ({}) and cutting the partial record failed too ({}). Writes are "
                    + "refused from now on; a restart cuts the partial record.", this.path, describe(cause),
                    describe(ex));
        }
        log.warn("Write to data file {} failed: {}. The request was refused and nothing was changed.", this.path,
                describe(cause));
    }

    private void countFsync(long startedNanos) {
        this.fsyncNanos.add(System.nanoTime() - startedNanos);
        this.fsyncs.increment();
    }

    /** Fsyncs of appended records since start (of {@code always} and {@code everysec}). */
    public long fsyncCount() {
        return this.fsyncs.sum();
    }

    /** The time those fsyncs took, in nanoseconds. */
    public long fsyncNanos() {
        return this.fsyncNanos.sum();
    }

    /** Rewrites (compactions) that replaced the data file since start. */
    public long rewriteCount() {
        return this.rewrites.sum();
    }

    /** Why writes are refused, or {@code null} while the file accepts them. */
    public String failure() {
        return this.failure;
    }

    public Path path() {
        return this.path;
    }

    public FsyncPolicy fsyncPolicy() {
        return this.fsyncPolicy;
    }

    /** Bytes of whole records in the file. */
    public long size() {
        return this.size;
    }

    /** Records in the file, live or not. */
    public long records() {
        return this.records;
    }

    /**
     * Starts a rewrite: a new file beside this one that will hold the live entries. Records
     * appended from now on are kept aside too, so that {@link Rewrite#finish()} can add them
     * after the snapshot. Called by the committing writer, while no append runs.
     */
    public Rewrite beginRewrite() throws IOException {
        Rewrite prepared = prepareRewrite();
        prepared.begin();
        return prepared;
    }

    /**
     * Creates the new file of a rewrite, beside this one, while appends go on; nothing is kept
     * aside for it until {@link Rewrite#begin()}. Creating a file waits for the folder and may
     * wait for the file system's journal, which the writers should not.
     */
    public Rewrite prepareRewrite() throws IOException {
        if (this.rewrite != null) {
            throw new IllegalStateException("a rewrite of " + this.path + " is already running");
        }
        Path temp = this.path.resolveSibling(this.path.getFileName() + ".rewrite");
        OwnerOnlyFiles.createLike(temp, this.path);
        FileChannel out = this.opener.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new Rewrite(temp, out);
    }

    /**
     * Snapshot bytes a rewrite leaves unsynced at most, as Redis's aof-rewrite-incremental-fsync:
     * fsynced in one go, a 28 MB snapshot kept the disk busy for 20 to 100 ms while writers were
     * appending to the data file, and their slowest writes of a compaction fell in that fsync.
     */
    public static final long REWRITE_INCREMENTAL_FSYNC_BYTES = 4L << 20;

    /** A rewrite in progress; see {@link #beginRewrite()}. */
    public final class Rewrite {

        private final Path temp;

        private final FileChannel out;

        /** Guards {@link #pending}, which the committing writer fills and {@link #catchUp()} may take. */
        private final Object pendingLock = new Object();

        private RecordBatch pending = new RecordBatch();

        private RecordBatch spare = new RecordBatch();

        private long written;

        /** How much of the new file is known to be on disk. */
        private long synced;

        private long snapshotRecords;

        /** Records appended while the rewrite ran that {@link #catchUp()} already wrote. */
        private long caughtUp;

        private boolean snapshotComplete;

        private boolean switched;

        private boolean renamed;

        private Rewrite(Path temp, FileChannel out) {
            this.temp = temp;
            this.out = out;
        }

        /**
         * Records appended from now on are kept aside for this rewrite. Called by the committing
         * writer, while no append runs, after {@link #prepareRewrite()}.
         */
        public void begin() {
            if (AppendOnlyFile.this.rewrite != null) {
                throw new IllegalStateException("a rewrite of " + AppendOnlyFile.this.path + " is already running");
            }
            AppendOnlyFile.this.rewrite = this;
        }

        private void keepAside(RecordBatch batch) {
            synchronized (this.pendingLock) {
                this.pending.appendEncoded(batch.array(), 0, batch.length(), batch.recordCount());
            }
        }

        /** Writes records of the snapshot; may run beside appends. */
        public void write(RecordBatch snapshotPart) throws IOException {
            if (this.snapshotComplete) {
                throw new IllegalStateException("the snapshot is complete: records appended since the rewrite began "
                        + "are already in the new file, and a snapshot record after them could undo them");
            }
            writeFully(this.out, snapshotPart.asByteBuffer(), this.written);
            this.written += snapshotPart.length();
            this.snapshotRecords += snapshotPart.recordCount();
            if (this.written - this.synced >= REWRITE_INCREMENTAL_FSYNC_BYTES) {
                this.out.force(false);
                this.synced = this.written;
            }
        }

        /**
         * Writes the records appended since the rewrite began, so far, after the snapshot; may run
         * beside appends, so that {@link #switchOver()}, which writers wait for, adds only the last few.
         * Call it only once the whole snapshot is written: no snapshot record may follow.
         * @return how many records it wrote
         */
        public int catchUp() throws IOException {
            this.snapshotComplete = true;
            RecordBatch taken;
            synchronized (this.pendingLock) {
                taken = this.pending;
                this.pending = this.spare;
                this.caughtUp += taken.recordCount();
            }
            int count = taken.recordCount();
            try {
                writeFully(this.out, taken.asByteBuffer(), this.written);
                this.written += taken.length();
            }
            finally {
                taken.clear();
                this.spare = taken;
            }
            return count;
        }

        /** Forces the snapshot written so far to disk; may run beside appends. */
        public void syncSnapshot() throws IOException {
            long written = this.written;
            this.out.force(true);
            this.synced = written;
        }

        /**
         * The whole end of a rewrite at once, for a caller that holds the writers back for all of
         * it: {@link #switchOver()}, {@link #install()}, {@link #dropReplaced()}.
         */
        public void finish() throws IOException {
            switchOver();
            try {
                install();
            }
            catch (IOException | RuntimeException ex) {
                abandon();
                throw ex;
            }
            dropReplaced().close();
        }

        /**
         * Adds what was appended since the last {@link #catchUp()} to the new file and makes it
         * the one appends go to; the old file goes on receiving every append too, so that it stays
         * complete until the new one is durably in its place. Writes and fsyncs nothing more:
         * called by the committing writer, while no append runs, so it is all that writers wait
         * for.
         */
        public void switchOver() throws IOException {
            this.snapshotComplete = true;
            try {
                writeFully(this.out, this.pending.asByteBuffer(), this.written);
                this.written += this.pending.length();
            }
            catch (IOException | RuntimeException ex) {
                abort();
                throw ex;
            }
            synchronized (AppendOnlyFile.this.channelSwap) {
                AppendOnlyFile.this.replaced = AppendOnlyFile.this.channel;
                AppendOnlyFile.this.replacedSize = AppendOnlyFile.this.size;
                AppendOnlyFile.this.replacedRecords = AppendOnlyFile.this.records;
                AppendOnlyFile.this.channel = this.out;
                // The carried records are not on disk in the new file yet.
                AppendOnlyFile.this.dirty = true;
            }
            AppendOnlyFile.this.size = this.written;
            AppendOnlyFile.this.records = this.snapshotRecords + this.caughtUp + this.pending.recordCount();
            AppendOnlyFile.this.rewrite = null;
            this.switched = true;
        }

        /**
         * Fsyncs the new file, renames it over the data file and fsyncs the folder, while writers
         * go on. On failure call {@link #abandon()}, between appends.
         */
        public void install() throws IOException {
            if (!this.switched) {
                throw new IllegalStateException("install() comes after switchOver()");
            }
            this.out.force(true);
            moveAtomically(this.temp, AppendOnlyFile.this.path);
            this.renamed = true;
            try {
                syncFolder(AppendOnlyFile.this.path);
            }
            catch (IOException ex) {
                // The name may point at either file after a crash: both stay written until a restart.
                AppendOnlyFile.this.failure = "the folder of data file " + AppendOnlyFile.this.path + " could not be "
                        + "fsynced after a compaction (" + describe(ex) + "); the server accepts no more writes "
                        + "until it is restarted";
                log.error("fsync of the folder of data file {} failed after compaction: {}. Writes are refused from "
                        + "now on; reads go on. Check the disk, then restart the server.", AppendOnlyFile.this.path,
                        describe(ex));
                throw new DataFileException(AppendOnlyFile.this.failure, ex);
            }
            AppendOnlyFile.this.rewrites.increment();
        }

        /**
         * Stops writing to the replaced file, once {@link #install()} made the new one durable.
         * Called by the committing writer, while no append runs. Returns the replaced file still
         * open, for the caller to close once writers go on: its name is gone, so the close frees
         * its blocks and drops its cached pages, tens of milliseconds for a large file.
         */
        public ReplacedFile dropReplaced() {
            FileChannel old;
            // Taken from the background fsync too: once this returns, nothing else uses the channel.
            synchronized (AppendOnlyFile.this.channelSwap) {
                old = AppendOnlyFile.this.replaced;
                AppendOnlyFile.this.replaced = null;
            }
            return new ReplacedFile(old);
        }

        /**
         * After a failed {@link #install()}: appends go back to the old file alone, which received
         * every one, unless the new file already took its name. Called by the committing writer,
         * while no append runs.
         */
        public void abandon() {
            if (this.renamed) {
                return;
            }
            FileChannel old;
            synchronized (AppendOnlyFile.this.channelSwap) {
                old = AppendOnlyFile.this.replaced;
                AppendOnlyFile.this.channel = old;
                AppendOnlyFile.this.size = AppendOnlyFile.this.replacedSize;
                AppendOnlyFile.this.replaced = null;
            }
            AppendOnlyFile.this.records = AppendOnlyFile.this.replacedRecords;
            abort();
        }

        /** Gives up the rewrite and removes its file; the data file is untouched. */
        public void abort() {
            if (AppendOnlyFile.this.rewrite == this) {
                AppendOnlyFile.this.rewrite = null;
            }
            // After a switch the background fsync may be forcing it.
            synchronized (AppendOnlyFile.this.forcing) {
                closeQuietly(this.out, "Closing the abandoned rewrite file failed");
            }
            try {
                Files.deleteIfExists(this.temp);
            }
            catch (IOException ex) {
                log.warn("Could not remove the abandoned rewrite file {}: {}", this.temp, describe(ex));
            }
        }

        /** Records appended while the rewrite ran, carried (or to be carried) into the new file. */
        public long pendingRecords() {
            synchronized (this.pendingLock) {
                return this.caughtUp + this.pending.recordCount();
            }
        }
    }

    /**
     * Forces what is not yet on disk, closes the file and releases the lock. Appends after it are
     * refused, saying why. Safe to call more than once.
     */
    @Override
    public void close() throws IOException {
        synchronized (this.forcing) {
            closeBoth();
        }
    }

    private void closeBoth() throws IOException {
        synchronized (this.channelSwap) {
            if (this.closed) {
                return;
            }
            this.closed = true;
            boolean healthy = this.failure == null;
            if (healthy) {
                this.failure = "the data file " + this.path + " is closed: the server is shutting down";
            }
            try {
                FileChannel open = this.channel;
                FileChannel alsoOpen = this.replaced;
                this.replaced = null;
                try {
                    if (open != null) {
                        if (healthy && this.dirty) {
                            open.force(false);
                        }
                        open.close();
                    }
                }
                finally {
                    if (alsoOpen != null) {
                        if (healthy && this.dirty) {
                            alsoOpen.force(false);
                        }
                        alsoOpen.close();
                    }
                }
            }
            finally {
                try {
                    this.lock.release();
                }
                finally {
                    this.lockChannel.close();
                }
            }
            log.info("Closed data file {}{}; lock released", this.path, healthy ? " (all writes on disk)" : "");
        }
    }

    /** A data file a compaction replaced, no longer written, open until {@link #close()}. */
    public final class ReplacedFile implements java.io.Closeable {

        private final FileChannel channel;

        private ReplacedFile(FileChannel channel) {
            this.channel = channel;
        }

        /** Waits for a background fsync that may be forcing it, never for appends. */
        @Override
        public void close() {
            synchronized (AppendOnlyFile.this.forcing) {
                closeQuietly(this.channel, "Closing the replaced data file failed");
            }
        }
    }

    private static void closeQuietly(FileChannel channel, String whatFailed) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        }
        catch (IOException ex) {
            log.debug(whatFailed, ex);
        }
    }

    private static void writeFully(FileChannel target, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += target.write(buffer, at);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (AtomicMoveNotSupportedException ex) {
            throw new IOException("the file system of " + to + " cannot rename atomically", ex);
        }
    }

    /** Makes a created or renamed directory entry durable. */
    static void syncFolder(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static void warnIfOpenToOthers(Path file) {
        String permissions = OwnerOnlyFiles.permissionsOpenToOthers(file);
        if (permissions != null) {
            log.warn("Data file {} can be read by other users of this machine (permissions {}), yet it holds every "
                    + "value of the store. Consider chmod 600 {}", file.toAbsolutePath(), permissions,
                    file.toAbsolutePath());
        }
    }

    private static String describe(IOException ex) {
        String message = ex.getMessage();
        return message == null ? ex.getClass().getSimpleName() : message;
    }
}
