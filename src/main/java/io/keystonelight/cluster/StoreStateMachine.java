package io.keystonelight.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RecordBatch;
import io.keystonelight.persistence.RecordSink;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Write;
import io.keystonelight.store.WriteRejectedException;

/**
 * The store as Ratis's state machine: committed log entries are writes, applied to the table in
 * log order with the store's own semantics; a snapshot is the live entries in the data file's
 * format, so that taking one is compaction and the log is purged behind it.
 */
final class StoreStateMachine extends BaseStateMachine {

    private static final Logger log = LoggerFactory.getLogger(StoreStateMachine.class);

    private static final int SNAPSHOT_CHUNK = 1 << 20;

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();

    private final KeyValueStore store;

    private final Consumer<String> leaderChanges;

    /** Futures waiting for an applied index, by that index. */
    private final TreeMap<Long, List<CompletableFuture<Void>>> appliedWaiters = new TreeMap<>();

    private volatile boolean waiting;

    StoreStateMachine(KeyValueStore store, Consumer<String> leaderChanges) {
        this.store = store;
        this.leaderChanges = leaderChanges;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        this.storage.init(raftStorage);
        getLifeCycle().startAndTransition(() -> load(this.storage.loadLatestSnapshot()), IOException.class);
    }

    /**
     * Ratis pauses the state machine before it installs a snapshot from the leader (a follower
     * too far behind, or wiped) and reloads it afterwards; it insists on these lifecycle states.
     */
    @Override
    public synchronized void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public synchronized void reinitialize() throws IOException {
        load(this.storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        if (!Files.exists(file)) {
            return;
        }
        MD5Hash stored = snapshot.getFile().getFileDigest();
        if (stored != null) {
            MD5Hash actual = MD5FileUtil.computeMd5ForFile(file.toFile());
            if (!stored.equals(actual)) {
                throw new IOException("snapshot " + file + " is damaged: its MD5 " + actual
                        + " differs from the one saved beside it, " + stored);
            }
        }
        long started = System.nanoTime();
        this.store.loadSnapshot(file);
        setLastAppliedTermIndex(snapshot.getTermIndex());
        log.info("Loaded snapshot {} (up to log index {}): {} keys in {} ms", file.getFileName(),
                snapshot.getIndex(), this.store.size(), (System.nanoTime() - started) / 1_000_000);
        signalApplied();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return this.storage;
    }

    /** What the last snapshot this process took holds, in words; {@code null} before the first. */
    String lastSnapshot() {
        return this.lastSnapshot;
    }

    private volatile String lastSnapshot;

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return this.storage.getLatestSnapshot();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        RaftProtos.LogEntryProto entry = trx.getLogEntry();
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        byte[] reply;
        if (WriteCodec.isBatch(data)) {
            List<Write<?>> writes;
            try {
                writes = WriteCodec.decodeBatch(data);
            }
            catch (RuntimeException ex) {
                log.error("Log entry {} holds no readable batch; it changes nothing", entry.getIndex(), ex);
                writes = List.of();
            }
            List<byte[]> results = new ArrayList<>(writes.size());
            for (Write<?> write : writes) {
                results.add(write == null ? WriteCodec.encodeResult(null, null) : apply(write, entry.getIndex()));
            }
            reply = WriteCodec.encodeBatchResults(results);
        }
        else {
            Write<?> write;
            try {
                write = WriteCodec.decode(data);
                reply = apply(write, entry.getIndex());
            }
            catch (RuntimeException ex) {
                log.error("Log entry {} holds no readable write; it changes nothing", entry.getIndex(), ex);
                reply = WriteCodec.encodeResult(null, "internal error: " + ex);
            }
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        signalApplied();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
    }

    private byte[] apply(Write<?> write, long index) {
        try {
            return WriteCodec.encodeResult(this.store.applyReplicated(write), null);
        }
        catch (io.keystonelight.store.WrongTypeException ex) {
            return WriteCodec.encodeResult(null, ClusterNode.WRONG_TYPE_PREFIX + ex.actual().name());
        }
        catch (WriteRejectedException ex) {
            return WriteCodec.encodeResult(null, ex.getMessage());
        }
        catch (RuntimeException ex) {
            // Every node fails the same write the same way, so the copies stay equal.
            log.error("A write of log entry {} could not be applied; it changes nothing", index, ex);
            return WriteCodec.encodeResult(null, "internal error: " + ex);
        }
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        signalApplied();
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        // A read barrier: on the leader, Ratis calls this once leadership is confirmed and the log
        // applied up to the read index; the answer is how far, for a follower to catch up to.
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
                java.nio.ByteBuffer.allocate(Long.BYTES).putLong(appliedIndex()).array())));
    }

    static long decodeIndex(Message reply) {
        return reply.getContent().asReadOnlyByteBuffer().getLong();
    }

    /** Completes once this node has applied the log up to {@code index}. */
    CompletableFuture<Void> applied(long index) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this.appliedWaiters) {
            if (appliedIndex() >= index) {
                return CompletableFuture.completedFuture(null);
            }
            this.appliedWaiters.computeIfAbsent(index, i -> new ArrayList<>()).add(done);
            this.waiting = true;
        }
        return done;
    }

    long appliedIndex() {
        TermIndex last = getLastAppliedTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    private void signalApplied() {
        if (!this.waiting) {
            return;
        }
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this.appliedWaiters) {
            long applied = appliedIndex();
            Iterator<Map.Entry<Long, List<CompletableFuture<Void>>>> it = this.appliedWaiters.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Long, List<CompletableFuture<Void>>> next = it.next();
                if (next.getKey() > applied) {
                    break;
                }
                ready.addAll(next.getValue());
                it.remove();
            }
            this.waiting = !this.appliedWaiters.isEmpty();
        }
        ready.forEach(future -> future.complete(null));
    }

    /**
     * Writes the live entries in the data file's format to a new snapshot file; Ratis calls it on
     * the thread that applies entries, so the table holds exactly the log up to the applied index.
     */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftProtos.LogEntryProto.getDefaultInstance().getIndex();
        }
        long started = System.nanoTime();
        File target = this.storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path temporary = target.toPath().resolveSibling("snapshot-being-written");
        Files.deleteIfExists(temporary);
        long[] keys = new long[1];
        try (AppendOnlyFile out = AppendOnlyFile.open(temporary, FsyncPolicy.EVERYSEC, new RefuseRecords())) {
            keys[0] = this.store.writeLiveRecords(new RecordBatch(), SNAPSHOT_CHUNK, out::append);
            out.syncIfDirty();
        }
        Files.deleteIfExists(temporary.resolveSibling(temporary.getFileName() + ".lock"));
        Files.move(temporary, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        this.storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
        this.lastSnapshot = String.format("snapshot up to log index %d (term %d): %d keys in %d bytes, written in"
                + " %d ms", last.getIndex(), last.getTerm(), keys[0], Files.size(target.toPath()),
                (System.nanoTime() - started) / 1_000_000);
        log.info("{}; the log before it can be purged", this.lastSnapshot);
        return last.getIndex();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        this.leaderChanges.accept(newLeaderId == null ? null : newLeaderId.toString());
    }

    @Override
    public void notifyExtendedNoLeader(RaftProtos.RoleInfoProto roleInfo) {
        log.warn("No leader for a while: this node is {} in term {}. A majority of the members must be running and "
                + "reach each other on their Raft ports; until then writes get ERR.", roleInfo.getRole(),
                currentTerm());
    }

    private long currentTerm() {
        try {
            RaftServer server = getServer().getNow(null);
            return server == null ? -1 : server.getDivision(getGroupId()).getInfo().getCurrentTerm();
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }

    @Override
    public void notifySnapshotInstalled(RaftProtos.InstallSnapshotResult result, long snapshotIndex,
            org.apache.ratis.protocol.RaftPeer peer) {
        log.info("Snapshot up to log index {} installed on {}: {}", snapshotIndex, peer.getId(), result);
    }

    /** The temporary snapshot file is new: it never has records to replay. */
    private static final class RefuseRecords implements RecordSink {

        @Override
        public void put(String key, String value) {
            throw new IllegalArgumentException("a new snapshot file already holds records");
        }

        @Override
        public void remove(String key) {
            throw new IllegalArgumentException("a new snapshot file already holds records");
        }
    }
}
