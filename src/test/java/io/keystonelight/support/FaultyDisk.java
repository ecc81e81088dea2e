package io.keystonelight.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.keystonelight.persistence.FileChannelOpener;

/**
 * A disk that works until told to fail: writes that stop after some bytes, as on a full disk,
 * and fsyncs that fail, as on a failing device. Opens real files; only the failures are made up.
 */
public final class FaultyDisk implements FileChannelOpener {

    private volatile boolean diskFull;

    private volatile boolean fsyncFails;

    private final AtomicInteger fsyncs = new AtomicInteger();

    /** While closed, every fsync waits at it: a disk that takes its time. */
    private final Gate fsyncGate = new Gate();

    /** While closed, every close of a channel waits at it: a large file whose blocks take time to free. */
    private final Gate closeGate = new Gate();

    /** While closed, every open of a file waits at it: a file system whose journal is busy. */
    private final Gate openGate = new Gate();

    /** While closed, every positional write (an append to the data file) waits at it. */
    private final Gate writeGate = new Gate();

    /** From now on an append does not reach the file until {@link #releaseWrites()}. */
    public void holdWrites() {
        this.writeGate.close();
    }

    public void releaseWrites() {
        this.writeGate.open();
    }

    /** Waits until an append is held at the gate; false if none came within the timeout. */
    public boolean awaitHeldWrite(java.time.Duration timeout) throws InterruptedException {
        return this.writeGate.awaitHeld(timeout);
    }

    /** From now on a write stores at most a few bytes and then fails with "No space left on device". */
    public void fillUp() {
        this.diskFull = true;
    }

    public void freeSpace() {
        this.diskFull = false;
    }

    public void failFsync() {
        this.fsyncFails = true;
    }

    /** The name of the one file whose fsyncs the gate holds; null for every file. */
    private volatile String fsyncsHeldOf;

    /** From now on an fsync does not return until {@link #releaseFsyncs()}. */
    public void holdFsyncs() {
        this.fsyncsHeldOf = null;
        this.fsyncGate.close();
    }

    /** As {@link #holdFsyncs()}, for the fsyncs of the file with this name alone. */
    public void holdFsyncsOf(String fileName) {
        this.fsyncsHeldOf = fileName;
        this.fsyncGate.close();
    }

    public void releaseFsyncs() {
        this.fsyncGate.open();
    }

    /**
     * Lets the fsyncs held now go on and holds every later one, the next step of the same thread
     * included: no fsync slips through between the two.
     */
    public void releaseHeldAndHoldAgain() {
        this.fsyncGate.openHeldAndCloseAgain();
    }

    /** Waits until an fsync is held at the gate; false if none came within the timeout. */
    public boolean awaitHeldFsync(java.time.Duration timeout) throws InterruptedException {
        return this.fsyncGate.awaitHeld(timeout);
    }

    /** From now on the close of a channel does not return until {@link #releaseCloses()}. */
    public void holdCloses() {
        this.closeGate.close();
    }

    public void releaseCloses() {
        this.closeGate.open();
    }

    /** Waits until a close is held at the gate; false if none came within the timeout. */
    public boolean awaitHeldClose(java.time.Duration timeout) throws InterruptedException {
        return this.closeGate.awaitHeld(timeout);
    }

    /** From now on the open of a file does not return until {@link #releaseOpens()}. */
    public void holdOpens() {
        this.openGate.close();
    }

    public void releaseOpens() {
        this.openGate.open();
    }

    /** Waits until an open is held at the gate; false if none came within the timeout. */
    public boolean awaitHeldOpen(java.time.Duration timeout) throws InterruptedException {
        return this.openGate.awaitHeld(timeout);
    }

    /** How many fsyncs were asked of this disk. */
    public int fsyncCount() {
        return this.fsyncs.get();
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        try {
            this.openGate.pass();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the disk was held", ex);
        }
        return new Channel(FileChannel.open(path, options), path.getFileName().toString());
    }

    private final class Channel extends FileChannel {

        private final FileChannel real;

        private final String fileName;

        Channel(FileChannel real, String fileName) {
            this.real = real;
            this.fileName = fileName;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            try {
                FaultyDisk.this.writeGate.pass();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the disk was held", ex);
            }
            if (FaultyDisk.this.diskFull) {
                // Part of the record reaches the file before the disk runs out, as it would.
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + Math.min(3, part.remaining()));
                this.real.write(part, position);
                throw new IOException("No space left on device");
            }
            return this.real.write(src, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (FaultyDisk.this.diskFull) {
                throw new IOException("No space left on device");
            }
            return this.real.write(src);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            FaultyDisk.this.fsyncs.incrementAndGet();
            String heldOf = FaultyDisk.this.fsyncsHeldOf;
            try {
                if (heldOf == null || heldOf.equals(this.fileName)) {
                    FaultyDisk.this.fsyncGate.pass();
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the disk was held", ex);
            }
            if (FaultyDisk.this.fsyncFails) {
                throw new IOException("Input/output error");
            }
            this.real.force(metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return this.real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return this.real.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (FaultyDisk.this.diskFull) {
                throw new IOException("No space left on device");
            }
            return this.real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return this.real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            this.real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return this.real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            this.real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return this.real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return this.real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return this.real.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return this.real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return this.real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return this.real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            try {
                FaultyDisk.this.closeGate.pass();
            }
            catch (InterruptedException ex) {
                // Closed all the same: an interrupted close must not leave the file open.
                Thread.currentThread().interrupt();
            }
            this.real.close();
        }
    }

    /** Where a disk operation waits while the test holds it, and tells the test it waits. */
    private static final class Gate {

        private volatile java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(0);

        private final java.util.concurrent.Semaphore waiting = new java.util.concurrent.Semaphore(0);

        void close() {
            this.latch = new java.util.concurrent.CountDownLatch(1);
        }

        void open() {
            this.latch.countDown();
        }

        void openHeldAndCloseAgain() {
            java.util.concurrent.CountDownLatch held = this.latch;
            this.latch = new java.util.concurrent.CountDownLatch(1);
            held.countDown();
        }

        boolean awaitHeld(java.time.Duration timeout) throws InterruptedException {
            return this.waiting.tryAcquire(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        /** Returns at once while open; while closed, once opened. */
        void pass() throws InterruptedException {
            java.util.concurrent.CountDownLatch gate = this.latch;
            if (gate.getCount() > 0) {
                this.waiting.release();
                gate.await();
            }
        }
    }
}
