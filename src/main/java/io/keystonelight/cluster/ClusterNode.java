package io.keystonelight.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.command.CommandException;
import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Replication;
import io.keystonelight.store.Write;
import io.keystonelight.store.WriteRefusedException;
import io.keystonelight.store.WriteRejectedException;

import org.springframework.context.SmartLifecycle;

/**
 * This server as a node of a Raft cluster (Apache Ratis, Netty transport): a Ratis server whose
 * state machine is the store, and a Ratis client through which the store's writes and read
 * barriers go. It starts before the TCP endpoint takes requests and stops after it.
 */
public class ClusterNode implements Replication, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    /** One group per cluster: every node derives the same id. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
            "keystonelight-cluster".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

    private static final Duration LEADER_POLL = Duration.ofMillis(20);

    private final KeystoneLightProperties.Cluster settings;

    private final ClusterMembers members;

    private final RaftPeerId self;

    private final KeyValueStore store;

    private final StoreStateMachine stateMachine;

    private final RaftServer server;

    private final RaftGroup group;

    /**
     * Carries this node's write rounds to another node that leads (its transport only: the
     * requests are built here, so a request sent again keeps its client id and call id), and
     * asks this node's own server for snapshots.
     */
    private final RaftClient client;


    private final ScheduledExecutorService timer;

    /** Sends the write and read rounds; its own thread, as handing an entry to Ratis may wait briefly. */
    private final java.util.concurrent.ExecutorService rounds;

    private final WriteRounds writeRounds;

    private final ReadRounds readRounds;

    /** The identity of the requests this node submits to its own Raft server while it leads. */
    private final ClientId localClient = ClientId.randomId();

    private final AtomicLong localCalls = new AtomicLong();

    private volatile boolean running;

    /** Stops this server once it is no longer a member. */
    private final Runnable onRemoved;

    private volatile String lastLeader;

    public ClusterNode(KeystoneLightProperties properties, KeyValueStore store, Runnable onRemoved) {
        this.onRemoved = onRemoved;
        this.settings = properties.cluster();
        this.members = ClusterMembers.parse(this.settings.nodeId(), this.settings.peers());
        this.self = RaftPeerId.valueOf(this.members.nodeId());
        this.store = store;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cluster-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.rounds = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cluster-rounds");
            thread.setDaemon(true);
            return thread;
        });
        this.writeRounds = new WriteRounds(this::deliver, this.rounds);
        this.readRounds = new ReadRounds(this::passBarrier, this.rounds);
        this.stateMachine = new StoreStateMachine(store, leader -> this.timer.execute(() -> leaderChanged(leader)));
        List<RaftPeer> peers = this.members.addresses().entrySet().stream()
                .map(member -> RaftPeer.newBuilder().setId(member.getKey())
                        .setAddress(member.getValue().toString()).build())
                .toList();
        RaftGroup group = RaftGroup.valueOf(GROUP_ID, peers);
        try {
            Files.createDirectories(this.settings.dir());
            this.server = RaftServer.newBuilder().setServerId(this.self).setGroup(group)
                    .setStateMachine(this.stateMachine).setProperties(serverProperties())
                    .setOption(RaftStorage.StartupOption.RECOVER).build();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not set up Raft storage in " + this.settings.dir().toAbsolutePath()
                    + ": " + ex.getMessage(), ex);
        }
        this.group = group;
        this.client = newClient();
    }

    private RaftClient newClient() {
        // Requests are resent by this node (see sendUntilAnswered), not by the client.
        return RaftClient.newBuilder().setRaftGroup(this.group).setClientId(ClientId.randomId())
                .setProperties(clientProperties()).setRetryPolicy(RetryPolicies.noRetry()).build();
    }

    private RaftProperties serverProperties() {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        NettyConfigKeys.Server.setHost(properties, this.members.self().host());
        NettyConfigKeys.Server.setPort(properties, this.members.self().port());
        RaftServerConfigKeys.setStorageDir(properties, List.of(this.settings.dir().toFile()));
        // Elections: long enough that a busy 2-core machine (GC, JIT) does not miss heartbeats,
        // short enough that a dead leader is replaced within a few seconds.
        long election = this.settings.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        // The first election after a start: every node of a cluster launched at once would time
        // out within the same half second and split the vote (each votes for itself, and the
        // next round waits a whole election timeout), more so on a busy machine where their
        // timers fire late. Each node waits a window of its own, by its place in the peers
        // setting, so that one node asks for votes well before the next one would.
        long firstFrom = firstElectionFrom(this.members.rank(), election);
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties,
                TimeDuration.valueOf(firstFrom, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties,
                TimeDuration.valueOf(firstFrom + election / 2, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(
                Math.max(3 * election, 3000), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.LeaderElection.setPreVote(properties, true);
        RaftServerConfigKeys.Notification.setNoLeaderTimeout(properties, TimeDuration.valueOf(
                Math.max(10 * election, 10_000), TimeUnit.MILLISECONDS));
        // Snapshots are compaction: the log is purged behind them.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, this.settings.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(Integer.MAX_VALUE,
                Math.max(1, this.settings.snapshotEvery() / 4)));
        // A metadata entry per commit-index change would double the log's entries and fsyncs;
        // a restarted node learns the commit index from the leader instead.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
        // The retry cache answers a client's retry of a write it applied already; retries end
        // with the write timeout, so it need not remember a write much longer.
        RaftServerConfigKeys.RetryCache.setExpiryTime(properties, TimeDuration.valueOf(
                Math.max(10_000, 2 * this.settings.writeTimeout().toMillis()), TimeUnit.MILLISECONDS));
        // Small machines: smaller log segments, fewer preallocated bytes and threads.
        long segment = this.settings.logSegmentSize().toBytes();
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(segment));
        RaftServerConfigKeys.Log.setPreallocatedSize(properties, SizeInBytes.valueOf(Math.min(segment, 1 << 20)));
        RaftServerConfigKeys.ThreadPool.setServerCached(properties, true);
        RaftServerConfigKeys.ThreadPool.setClientCached(properties, true);
        RaftServerConfigKeys.ThreadPool.setProxyCached(properties, true);
        return properties;
    }

    /**
     * Where the first election timeout of the node at {@code rank} in the peers setting begins:
     * windows half an election timeout long, a whole one apart, the first at half of one.
     */
    static long firstElectionFrom(int rank, long election) {
        return election / 2 + rank * election;
    }

    private RaftProperties clientProperties() {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        // A request that times out inside the client makes it drop the connection and fail every
        // other request on it; the write timeout, applied by this node, is the one that counts.
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(
                this.settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS));
        // Writes of every connection of this node travel through this one client.
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, 10_000);
        return properties;
    }

    // Lifecycle

    @Override
    public void start() {
        try {
            this.server.start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not start the Raft server of node " + this.self + " on "
                    + this.members.self() + ": " + ex.getMessage(), ex);
        }
        this.store.replicateThrough(this);
        this.running = true;
        this.timer.scheduleWithFixedDelay(this::watchPeers, WATCH_EVERY.toMillis(), WATCH_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        Map<String, String> current = currentMembers();
        log.info("Cluster node {} is up: Raft on {}, {} members ({}{}), storage in {}, reads {}", this.self,
                this.members.self(), current.size(), current, configurationIndex() < 0 ? ", from the peers setting"
                        : ", as the configuration at log index " + configurationIndex() + " says",
                this.settings.dir().toAbsolutePath(), this.settings.readConsistency().name().toLowerCase());
    }

    @Override
    public void stop() {
        this.running = false;
        try {
            this.client.close();
        }
        catch (IOException ex) {
            log.warn("Closing the Raft client failed: {}", ex.toString());
        }
        try {
            this.server.close();
        }
        catch (IOException ex) {
            log.warn("Closing the Raft server failed: {}", ex.toString());
        }
        this.timer.shutdownNow();
        this.rounds.shutdownNow();
        log.info("Cluster node {} stopped", this.self);
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /**
     * Starts before anything else that has a phase, the TCP endpoint's connection factory and its
     * graceful shutdown among them, and so stops after them: no client can reach the data port
     * before writes and reads go through the group, and requests still in flight at shutdown
     * finish through it.
     */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE / 2;
    }

    // Replication

    @Override
    public <R> CompletableFuture<R> submit(Write<R> write) {
        long deadline = System.nanoTime() + this.settings.writeTimeout().toNanos();
        return this.writeRounds.submit(WriteCodec.encode(write), deadline).thenCompose(applied -> {
            R value = result(applied.result());
            if (this.settings.readConsistency() == KeystoneLightProperties.ReadConsistency.LINEARIZABLE) {
                // Any read after this reply passes a read barrier that covers this entry.
                return CompletableFuture.completedFuture(value);
            }
            // Local reads: read-your-writes on this node, as far as the time allows.
            long left = Math.max(1, deadline - System.nanoTime());
            return this.stateMachine.applied(applied.logIndex())
                    .completeOnTimeout(null, left, TimeUnit.NANOSECONDS).thenApply(ignored -> value);
        });
    }

    /** Sends one round's entry to the leader: this node's own Raft server, or another node's. */
    private CompletableFuture<WriteRounds.Delivered> deliver(byte[] entry, long deadline) {
        Message message = Message.valueOf(ByteString.copyFrom(entry));
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(this.localClient)
                .setServerId(this.self).setGroupId(GROUP_ID).setCallId(this.localCalls.incrementAndGet())
                .setMessage(message).setType(RaftClientRequest.writeRequestType()).build();
        return awaitLeader(deadline)
                .thenCompose(leader -> sendUntilAnswered(request, leader, deadline, new ArrayList<>()))
                .thenApply(reply -> new WriteRounds.Delivered(
                        WriteCodec.decodeBatchResults(reply.getMessage().getContent().toByteArray()),
                        reply.getLogIndex()));
    }

    /**
     * Sends {@code request} to {@code leader} and, while it is turned away (that node no longer
     * leads, or cannot be reached) and time is left, sends it again to whichever node leads
     * next: under the same client id and call id, so that the retry cache of every node, filled
     * as they apply the log, answers with the first outcome instead of applying it twice. After
     * a leader is killed the others still name it until they elect another, one or two seconds.
     * The outcome is unknown only when no node answered by the deadline after one may have
     * taken the entry into its log.
     */
    private CompletableFuture<RaftClientReply> sendUntilAnswered(RaftClientRequest request, String leader,
            long deadline, List<String> attempts) {
        CompletableFuture<RaftClientReply> sent;
        if (leader.equals(this.self.toString())) {
            sent = submitToSelf(request);
        }
        else {
            RaftClientRequest there = RaftClientRequest.newBuilder().setClientId(request.getClientId())
                    .setServerId(RaftPeerId.valueOf(leader)).setGroupId(GROUP_ID).setCallId(request.getCallId())
                    .setMessage(request.getMessage()).setType(request.getType()).build();
            sent = this.client.getClientRpc().sendRequestAsync(there);
        }
        long remaining = deadline - System.nanoTime();
        return sent.orTimeout(Math.max(1, remaining), TimeUnit.NANOSECONDS).handle((reply, failure) -> {
            Throwable cause = failure != null ? unwrap(failure) : reply.isSuccess() ? null : reply.getException();
            if (cause == null) {
                return CompletableFuture.completedFuture(reply);
            }
            attempts.add(leader + ": " + whatHappened(cause));
            if (cause instanceof IOException && !leader.equals(this.self.toString())) {
                // The connection may be gone (a killed node): the next request reconnects.
                this.client.getClientRpc().handleException(RaftPeerId.valueOf(leader), cause, true);
            }
            if (!turnedAway(cause) || deadline - System.nanoTime() <= RESEND_PAUSE.toNanos() || !this.running) {
                return CompletableFuture.<RaftClientReply>failedFuture(attempts.stream()
                        .allMatch(attempt -> attempt.endsWith(UNREACHABLE)) ? neverDelivered(attempts)
                                : outcomeUnknown(attempts));
            }
            CompletableFuture<RaftClientReply> again = new CompletableFuture<>();
            this.timer.schedule(() -> awaitLeader(deadline)
                    .exceptionally(none -> leader)
                    .thenCompose(next -> sendUntilAnswered(request, next, deadline, attempts))
                    .whenComplete((answer, error) -> {
                        if (error != null) {
                            again.completeExceptionally(unwrap(error));
                        }
                        else {
                            again.complete(answer);
                        }
                    }), RESEND_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
            return again;
        }).thenCompose(next -> next);
    }

    private static final String UNREACHABLE = "unreachable";

    /** How long a turned-away request waits before it is sent again: about one heartbeat. */
    private static final Duration RESEND_PAUSE = Duration.ofMillis(100);

    /** Whether the node asked did not take the request on as leader, so sending it again is the way on. */
    private static boolean turnedAway(Throwable cause) {
        return cause instanceof org.apache.ratis.protocol.exceptions.NotLeaderException
                || cause instanceof org.apache.ratis.protocol.exceptions.LeaderNotReadyException
                || cause instanceof org.apache.ratis.protocol.exceptions.LeaderSteppingDownException
                || cause instanceof org.apache.ratis.protocol.exceptions.ServerNotReadyException
                || cause instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException
                || (cause instanceof IOException && !(cause instanceof org.apache.ratis.protocol.exceptions.TimeoutIOException));
    }

    private String whatHappened(Throwable cause) {
        if (cause instanceof TimeoutException || cause instanceof org.apache.ratis.protocol.exceptions.TimeoutIOException) {
            return "no answer within the write timeout";
        }
        if (cause instanceof org.apache.ratis.protocol.exceptions.NotLeaderException) {
            return "not the leader";
        }
        if (cause instanceof java.net.ConnectException || cause.getCause() instanceof java.net.ConnectException) {
            return UNREACHABLE;
        }
        return describe(cause);
    }

    /** A request of this node's own to its own Raft server, in process. */
    private CompletableFuture<RaftClientReply> submitToSelf(RaftClientRequest request) {
        try {
            return this.server.submitClientRequestAsync(request);
        }
        catch (IOException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /** How a WRONGTYPE rejection travels back from the state machine, with the type the key holds. */
    static final String WRONG_TYPE_PREFIX = "WRONGTYPE ";

    private <R> R result(WriteCodec.Result result) {
        if (result.rejection() != null && result.rejection().startsWith(WRONG_TYPE_PREFIX)) {
            throw new io.keystonelight.store.WrongTypeException(io.keystonelight.store.DataType
                    .valueOf(result.rejection().substring(WRONG_TYPE_PREFIX.length())));
        }
        if (result.rejection() != null) {
            throw new WriteRejectedException(result.rejection());
        }
        @SuppressWarnings("unchecked")
        R value = (R) result.value();
        return value;
    }

    /** Completes once a leader is known; refuses the write (never sent) if none is by the deadline. */
    private CompletableFuture<String> awaitLeader(long deadline) {
        String leader = usableLeaderId();
        if (leader != null) {
            return CompletableFuture.completedFuture(leader);
        }
        CompletableFuture<String> known = new CompletableFuture<>();
        pollLeader(known, deadline);
        return known;
    }

    private void pollLeader(CompletableFuture<String> known, long deadline) {
        String leader = usableLeaderId();
        if (leader != null) {
            known.complete(leader);
            return;
        }
        if (System.nanoTime() >= deadline || !this.running) {
            known.completeExceptionally(new WriteRefusedException("no quorum: no leader was elected within "
                    + this.settings.writeTimeout().toMillis() + " ms (this node, " + this.self + ", is " + role()
                    + " in term " + term() + "); a majority (" + (memberCount() / 2 + 1) + " of "
                    + memberCount() + ") of the members must be running and reach each other", null));
            return;
        }
        this.timer.schedule(() -> pollLeader(known, deadline), LEADER_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private RuntimeException outcomeUnknown(List<String> attempts) {
        return new CommandException("ERR", "outcome unknown: no node confirmed the write as applied within "
                + this.settings.writeTimeout().toMillis() + " ms, and it may be in a leader's log (sent to "
                + String.join(", then ", collapse(attempts)) + "; leader now " + (leaderId() == null ? "unknown"
                        : leaderId()) + ", term " + term() + "); read the key to find out");
    }

    /** No connection was ever made, so no node has the write: it was not applied. */
    private RuntimeException neverDelivered(List<String> attempts) {
        return new WriteRefusedException("no quorum: no leader could be reached within "
                + this.settings.writeTimeout().toMillis() + " ms (tried " + String.join(", then ", collapse(attempts))
                + "; this node, " + this.self + ", is " + role() + " in term " + term() + "); a majority ("
                + (memberCount() / 2 + 1) + " of " + memberCount()
                + ") of the members must be running and reach each other", null);
    }

    /** "n2: unreachable" ten times in a row reads as "n2: unreachable (x10)". */
    private static List<String> collapse(List<String> attempts) {
        List<String> collapsed = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < attempts.size(); i++) {
            count++;
            if (i + 1 == attempts.size() || !attempts.get(i + 1).equals(attempts.get(i))) {
                collapsed.add(attempts.get(i) + (count > 1 ? " (x" + count + ")" : ""));
                count = 0;
            }
        }
        return collapsed;
    }

    /**
     * A read waits until this node has applied an entry that a majority acknowledged after the
     * read arrived; so the read that follows sees every write acknowledged before it began, and a
     * node that is cut off from the majority, or a leader already replaced that does not know it
     * yet, answers no read at all.
     */
    @Override
    public CompletableFuture<Void> readBarrier() {
        if (this.settings.readConsistency() == KeystoneLightProperties.ReadConsistency.LOCAL) {
            return CompletableFuture.completedFuture(null);
        }
        return this.readRounds.await();
    }

    /**
     * One barrier for a round of reads: an empty entry, sent with the next round of writes, and
     * committed only once a majority of the current term acknowledged it, which it cannot have
     * done before the reads arrived. Not Ratis's ReadIndex: its leader answers at once, without
     * asking anyone, when a majority had acknowledged its commit index at some earlier time; a
     * leader that was cut off and replaced still has nothing newer committed, and so served stale
     * reads (a partition test found one).
     */
    private CompletableFuture<Void> passBarrier() {
        long timeout = this.settings.writeTimeout().toMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        return emptyEntry(deadline)
                .thenCompose(this.stateMachine::applied)
                .orTimeout(timeout, TimeUnit.MILLISECONDS)
                .exceptionally(failure -> {
                    Throwable cause = unwrap(failure);
                    throw readNotServed(cause instanceof TimeoutException
                            ? "this node did not reach the leader's commit index within " + timeout + " ms"
                            : cause.getMessage());
                });
    }

    private CompletableFuture<Long> emptyEntry(long deadline) {
        return this.writeRounds.submit(WriteCodec.READ_BARRIER, deadline).thenApply(applied -> {
            if (this.stateMachine.appliedIndex() < applied.logIndex()) {
                // A follower learns the commit index from the leader's next append, which without
                // writes is the next heartbeat, up to half an election timeout away: an empty
                // entry now makes that append come at once.
                this.writeRounds.submit(WriteCodec.READ_BARRIER, deadline);
            }
            return applied.logIndex();
        });
    }

    private CommandException readNotServed(String why) {
        return new CommandException("ERR", "read not served: this node could not confirm with a majority that it has "
                + "every acknowledged write (" + why + "; leader " + (leaderId() == null ? "unknown" : leaderId())
                + "); read with keystonelight.cluster.read-consistency=local to accept stale values");
    }

    /**
     * In cluster mode compaction is a Raft snapshot of the store, behind which the log is purged.
     * Forced: by default Ratis takes none until 1,024 entries were applied since the last, and
     * answered as if it had.
     */
    @Override
    public CompactionResult compact() throws IOException {
        long started = System.nanoTime();
        long before = folderSize(this.settings.dir());
        org.apache.ratis.server.protocol.TermIndex previous = this.stateMachine.getLastAppliedTermIndex();
        long snapshotBefore = this.stateMachine.getLatestSnapshot() == null ? -1
                : this.stateMachine.getLatestSnapshot().getIndex();
        RaftClientReply reply = this.client.getSnapshotManagementApi(this.self)
                .create(true, this.settings.writeTimeout().toMillis());
        if (!reply.isSuccess()) {
            throw new IOException("snapshot failed: " + describe(reply.getException()));
        }
        long after = folderSize(this.settings.dir());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        String what = reply.getLogIndex() > snapshotBefore && this.stateMachine.lastSnapshot() != null
                ? this.stateMachine.lastSnapshot()
                : snapshotBefore < 0 ? "no snapshot: nothing has been applied yet"
                        : "no new snapshot: nothing was applied since the last one, up to log index " + snapshotBefore
                                + (previous == null ? "" : " (applied up to " + previous.getIndex() + ")");
        return new CompactionResult(before, after, this.store.size(), 0, took, Duration.ZERO, what
                + "; Raft storage " + before + " -> " + after + " bytes (the log before the snapshot is purged once"
                + " its segment is closed; the open segment is preallocated)" + ", took " + took.toMillis() + " ms");
    }

    private static long folderSize(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                }
                catch (IOException ex) {
                    return 0;
                }
            }).sum();
        }
    }


    // Membership

    /** How long a change may take: an added node must catch up with the leader's log first. */
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(60);

    /** One change at a time from this node; Ratis refuses a second one under way anywhere. */
    private final java.util.concurrent.atomic.AtomicBoolean changing = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Adds {@code id} at {@code address} as a voting member. The node must be running already,
     * started with this id and a peers list naming itself; the leader first sends it the log (or
     * a snapshot) as a non-voting staging member, and only once it has caught up does the new
     * configuration, with it voting, go through the log.
     */
    public String addMember(String id, String address) {
        ClusterMembers.Address parsed = ClusterMembers.parseAddress(id, address);
        return change("add " + id, () -> {
            Map<String, String> current = currentMembers();
            if (current.containsKey(id)) {
                throw new MembershipException(409, id + " is already a member (at " + current.get(id) + "); members are "
                        + current);
            }
            if (current.containsValue(parsed.toString())) {
                throw new MembershipException(400, "address " + parsed + " is already that of a member; members are "
                        + current);
            }
            List<RaftPeer> next = new ArrayList<>(peers(current));
            next.add(RaftPeer.newBuilder().setId(id).setAddress(parsed.toString()).build());
            setConfiguration(current, next, "add " + id + " at " + parsed);
            return id + " added: members are now " + currentMembers();
        });
    }

    /** Removes {@code id}, which must not lead: leadership is moved first, on purpose, by {@link #transferLeadership}. */
    public String removeMember(String id) {
        return change("remove " + id, () -> {
            Map<String, String> current = currentMembers();
            requireMember(id, current);
            String leader = leaderId();
            if (id.equals(leader)) {
                String other = current.keySet().stream().filter(member -> !member.equals(id)).findFirst().orElse("?");
                throw new MembershipException(409, id + " is the leader: transfer leadership to another member first "
                        + "(POST /actuator/cluster/transfer {\"node\":\"" + other + "\"}), then remove it");
            }
            if (current.size() == 1) {
                throw new MembershipException(409, id + " is the only member: a cluster cannot remove its last member");
            }
            List<RaftPeer> next = peers(current).stream().filter(peer -> !peer.getId().toString().equals(id)).toList();
            setConfiguration(current, next, "remove " + id);
            return id + " removed: members are now " + currentMembers() + "; " + tellRemoved(id, current);
        });
    }

    /** Makes {@code id} the leader: the current leader stops taking writes, brings it up to date and lets it win. */
    public String transferLeadership(String id) {
        return change("transfer leadership to " + id, () -> {
            requireMember(id, currentMembers());
            String leader = requireLeader();
            if (id.equals(leader)) {
                return id + " leads already (term " + term() + ")";
            }
            long timeout = Math.max(3 * this.settings.electionTimeout().toMillis(), 5_000);
            try (RaftClient admin = adminClient(leader)) {
                RaftClientReply reply = admin.admin().transferLeadership(RaftPeerId.valueOf(id), timeout);
                if (!reply.isSuccess()) {
                    throw refused("transfer leadership from " + leader + " to " + id, reply.getException());
                }
            }
            catch (IOException ex) {
                throw refused("transfer leadership from " + leader + " to " + id, ex);
            }
            return "leadership moved from " + leader + " to " + id;
        });
    }

    /**
     * Tells a removed node that it is out, by taking the cluster's group off its Raft server: the
     * leader stops sending to a removed node once it has the new configuration, so one that lagged
     * behind may never see the change in its log, and would wait for a leader forever.
     */
    private String tellRemoved(String id, Map<String, String> before) {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(
                this.settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS));
        try (RaftClient removed = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(GROUP_ID, peers(before)))
                .setClientId(ClientId.randomId()).setProperties(properties).setRetryPolicy(RetryPolicies.noRetry())
                .build()) {
            RaftClientReply reply = removed.getGroupManagementApi(RaftPeerId.valueOf(id)).remove(GROUP_ID, false, false);
            return reply.isSuccess() ? id + " was told and stops"
                    : id + " could not be told (" + describe(reply.getException()) + "); it stops once it sees the change";
        }
        catch (IOException ex) {
            return id + " could not be told (" + describe(unwrap(ex)) + "): if it runs, it stops once it sees the "
                    + "change; stop it by hand if it does not";
        }
    }

    private String change(String what, java.util.function.Supplier<String> change) {
        if (!this.changing.compareAndSet(false, true)) {
            throw new MembershipException(409, "cannot " + what + ": another membership change sent through this node, "
                    + this.self + ", is still in progress; wait for its answer");
        }
        try {
            String done = change.get();
            log.info("Membership: {} (asked through this node, {})", done, this.self);
            return done;
        }
        finally {
            this.changing.set(false);
        }
    }

    private static void requireMember(String id, Map<String, String> current) {
        if (!current.containsKey(id)) {
            throw new MembershipException(404, "unknown node " + id + ": members are " + current.keySet());
        }
    }

    private String requireLeader() {
        String leader = leaderId();
        if (leader == null) {
            throw new MembershipException(503, "no leader is known to this node, " + this.self + " (" + role()
                    + ", term " + term() + "): membership changes go through the leader; try again once one is elected");
        }
        return leader;
    }

    /**
     * Compare-and-set: the leader applies the change only if its configuration is still the one
     * this node saw, so two operators' changes never silently undo each other.
     */
    private void setConfiguration(Map<String, String> current, List<RaftPeer> next, String what) {
        if (!previousMembers().isEmpty()) {
            throw new MembershipException(409, "cannot " + what + ": a membership change is in progress (from "
                    + previousMembers().keySet() + " to " + current.keySet() + "); try again once it is done");
        }
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInCurrentConf(peers(current)).setServersInNewConf(next)
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build();
        java.util.Set<String> wanted = new java.util.TreeSet<>();
        next.forEach(peer -> wanted.add(peer.getId().toString()));
        long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
        while (true) {
            Throwable failure;
            try (RaftClient admin = adminClient(requireLeader())) {
                RaftClientReply reply = admin.admin().setConfiguration(arguments);
                if (reply.isSuccess()) {
                    return;
                }
                failure = reply.getException();
            }
            catch (IOException ex) {
                failure = ex;
            }
            // An attempt whose answer was lost (a leader change, a timeout) may have gone through:
            // compare-and-set then refuses the next one, although the change is done.
            if (wanted.equals(new java.util.TreeSet<>(currentMembers().keySet())) && previousMembers().isEmpty()) {
                return;
            }
            Throwable why = rootCause(failure);
            // The tail of the previous change, a leader change or a slow leader pass; a new member
            // that did not catch up, or a configuration that changed meanwhile, is the operator's to know.
            boolean passing = !(why instanceof org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException)
                    && !(why instanceof org.apache.ratis.protocol.exceptions.SetConfigurationException);
            if (!passing || System.nanoTime() > deadline) {
                throw refused(what, why);
            }
            try {
                Thread.sleep(500);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw refused(what, why);
            }
        }
    }

    /** The first cause that is not a wrapper: Ratis's retry failure and completions carry the reason inside. */
    private static Throwable rootCause(Throwable failure) {
        Throwable cause = unwrap(failure);
        while (cause instanceof org.apache.ratis.protocol.exceptions.RaftRetryFailureException
                && cause.getCause() != null && cause.getCause() != cause) {
            cause = unwrap(cause.getCause());
        }
        return cause;
    }

    private MembershipException refused(String what, Throwable cause) {
        Throwable why = unwrap(cause);
        if (why instanceof org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException) {
            return new MembershipException(409, "cannot " + what + ": another membership change is in progress; try "
                    + "again once it is done (" + why.getMessage() + ")");
        }
        if (why instanceof org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException) {
            return new MembershipException(504, "cannot " + what + ": the new member did not catch up with the "
                    + "leader's log in time; is it running, started with its own id and a peers list naming itself, "
                    + "and can the leader reach its address? (" + why.getMessage() + ")");
        }
        if (why instanceof org.apache.ratis.protocol.exceptions.SetConfigurationException) {
            return new MembershipException(409, "cannot " + what + ": the leader's configuration changed meanwhile "
                    + "(members now " + currentMembers().keySet() + "); look again and retry (" + why.getMessage() + ")");
        }
        return new MembershipException(503, "cannot " + what + ": " + describe(why));
    }

    private static List<RaftPeer> peers(Map<String, String> members) {
        return members.entrySet().stream()
                .map(member -> RaftPeer.newBuilder().setId(member.getKey()).setAddress(member.getValue()).build())
                .toList();
    }

    /** A client for one change, addressed to the members of now, the leader first. */
    private RaftClient adminClient(String leader) {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(CHANGE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        Map<String, String> everyone = new java.util.TreeMap<>(previousMembers());
        everyone.putAll(currentMembers());
        return RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(GROUP_ID, peers(everyone)))
                .setLeaderId(RaftPeerId.valueOf(leader)).setClientId(ClientId.randomId()).setProperties(properties)
                // Resent (same call id, so applied once) when turned away by a node that no
                // longer leads; a change that timed out is not tried again: the operator is told.
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
                        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Whether this node has been a voting member by a configuration from the log (not only by its peers setting). */
    private boolean wasMember;

    /** Since when (System.nanoTime) this node has seen a configuration without itself, or 0. */
    private long outsideSince;

    private final java.util.Set<String> knownPeers = new java.util.HashSet<>();

    /**
     * Follows the configuration: new members' addresses go to the client that carries writes
     * to a leader, and a node removed from the cluster stops, once the configuration without it
     * is committed, or has been its newest for a few election timeouts.
     */
    private void followConfiguration() {
        if (java.util.stream.StreamSupport.stream(this.server.getGroupIds().spliterator(), false)
                .noneMatch(GROUP_ID::equals)) {
            if (this.running && this.removed.compareAndSet(false, true)) {
                log.warn("This node, {}, was removed from the cluster: the leader's side took the cluster off its Raft "
                        + "server after a configuration without it was committed; it stops. Its Raft folder, {}, is no "
                        + "longer kept current: delete it before this node joins again", this.self,
                        this.settings.dir().toAbsolutePath());
                this.onRemoved.run();
            }
            return;
        }
        RaftConfiguration conf = conf();
        if (conf == null) {
            return;
        }
        List<RaftPeer> added = new ArrayList<>();
        for (RaftPeer peer : conf.getCurrentPeers()) {
            if (this.knownPeers.add(peer.getId().toString()) && !peer.getId().equals(this.self)) {
                added.add(peer);
            }
        }
        if (!added.isEmpty()) {
            this.client.getClientRpc().addRaftPeers(added);
        }
        boolean member = conf.getCurrentPeers().stream().anyMatch(peer -> peer.getId().equals(this.self));
        if (member) {
            this.wasMember |= conf.getLogEntryIndex() >= 0;
            this.outsideSince = 0;
            return;
        }
        if (!this.wasMember) {
            return;
        }
        if (this.outsideSince == 0) {
            this.outsideSince = System.nanoTime();
        }
        long committed;
        try {
            committed = this.server.getDivision(GROUP_ID).getRaftLog().getLastCommittedIndex();
        }
        catch (IOException ex) {
            return;
        }
        // Once the joint configuration (old and new members) is committed, Raft carries the
        // change through to the new one, whichever node leads; the leader stops sending to a
        // removed node as soon as it has the new one, so this node may not learn that commit.
        boolean settled = committed >= conf.getLogEntryIndex() || System.nanoTime() - this.outsideSince
                > TimeUnit.MILLISECONDS.toNanos(4 * this.settings.electionTimeout().toMillis());
        if (settled && this.removed.compareAndSet(false, true)) {
            log.warn("This node, {}, was removed from the cluster by the configuration at log index {} (members now "
                    + "{}): it stops. Its Raft folder, {}, is no longer kept current: delete it before this node "
                    + "joins again", this.self, conf.getLogEntryIndex(), currentMembers().keySet(),
                    this.settings.dir().toAbsolutePath());
            this.onRemoved.run();
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean removed = new java.util.concurrent.atomic.AtomicBoolean();

    // What this node knows

    private DivisionInfo info() {
        try {
            return this.server.getDivision(GROUP_ID).getInfo();
        }
        catch (IOException ex) {
            return null;
        }
    }

    /** Only the leader removes keys past their deadline, through the log, as only a Redis primary does. */
    @Override
    public boolean expiresKeys() {
        DivisionInfo info = info();
        return info != null && info.isLeader() && info.isLeaderReady();
    }

    /**
     * The leader to send a request to: another node as this node knows it, or this node once it
     * leads and has committed an entry of its term (before that Ratis turns requests away).
     */
    private String usableLeaderId() {
        DivisionInfo info = info();
        if (info == null || info.getLeaderId() == null) {
            return null;
        }
        if (info.isLeader()) {
            return info.isLeaderReady() ? this.self.toString() : null;
        }
        String leader = info.getLeaderId().toString();
        return leader.equals(this.self.toString()) ? null : leader;
    }

    /** The leader's node id as this node knows it, or {@code null}. */
    public String leaderId() {
        DivisionInfo info = info();
        if (info == null) {
            return null;
        }
        RaftPeerId leader = info.getLeaderId();
        return leader == null ? null : leader.toString();
    }

    public String role() {
        DivisionInfo info = info();
        RaftProtos.RaftPeerRole role = info == null ? null : info.getCurrentRole();
        return role == null ? "UNKNOWN" : role.name();
    }

    public long term() {
        DivisionInfo info = info();
        return info == null ? -1 : info.getCurrentTerm();
    }

    public long appliedIndex() {
        return this.stateMachine.appliedIndex();
    }

    public String nodeId() {
        return this.members.nodeId();
    }

    /**
     * The voting members as the newest configuration in this node's log names them (a change
     * counts from the moment it is in the log, as Raft has it), with their Raft addresses; the
     * {@code peers} setting only seeds a node's first configuration.
     */
    public Map<String, String> currentMembers() {
        Map<String, String> current = new java.util.TreeMap<>();
        RaftConfiguration conf = conf();
        if (conf == null) {
            this.members.addresses().forEach((id, address) -> current.put(id, address.toString()));
            return current;
        }
        conf.getCurrentPeers().forEach(peer -> current.put(peer.getId().toString(), peer.getAddress()));
        return current;
    }

    /** The members of the configuration being left while a change is under way, else empty. */
    public Map<String, String> previousMembers() {
        Map<String, String> previous = new java.util.TreeMap<>();
        RaftConfiguration conf = conf();
        if (conf != null) {
            conf.getPreviousPeers().forEach(peer -> previous.put(peer.getId().toString(), peer.getAddress()));
        }
        return previous;
    }

    /** The log index of the configuration in force, -1 for the one this node started with. */
    public long configurationIndex() {
        RaftConfiguration conf = conf();
        return conf == null ? -1 : conf.getLogEntryIndex();
    }

    private int memberCount() {
        return currentMembers().size();
    }

    private RaftConfiguration conf() {
        try {
            return this.server.getDivision(GROUP_ID).getRaftConf();
        }
        catch (IOException ex) {
            return null;
        }
    }

    private static final Duration WATCH_EVERY = Duration.ofMillis(250);

    /** The peers this node, as leader, has found not answering, with when it found out (System.nanoTime). */
    private final Map<String, Long> peersDown = new java.util.HashMap<>();

    private RaftProtos.RaftPeerRole lastRole;

    private String lastKnownLeader;

    /**
     * The operator's view of the cluster, one line per change: a peer that stops answering this
     * leader and the same peer answering again (Ratis itself logs a failed append with a stack
     * trace every tenth retry, many a second), a leader this node stopped hearing from, and this
     * node losing its leadership.
     */
    private void watchPeers() {
        try {
            followConfiguration();
            DivisionInfo info = info();
            if (info == null) {
                return;
            }
            RaftProtos.RoleInfoProto roleInfo = info.getRoleInfoProto();
            RaftProtos.RaftPeerRole role = info.getCurrentRole();
            long downAfter = 2 * this.settings.electionTimeout().toMillis();
            // A new leader's view of its followers starts from a made-up old answer time.
            if (role == RaftProtos.RaftPeerRole.LEADER && roleInfo.hasLeaderInfo()
                    && roleInfo.getRoleElapsedTimeMs() > downAfter) {
                for (RaftProtos.ServerRpcProto follower : roleInfo.getLeaderInfo().getFollowerInfoList()) {
                    String peer = follower.getId().getId().toStringUtf8();
                    long silent = follower.getLastRpcElapsedTimeMs();
                    Long since = this.peersDown.get(peer);
                    if (since == null && silent > downAfter) {
                        this.peersDown.put(peer, System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(silent));
                        log.warn("Peer {} ({}) is down or cut off: no answer for {} ms; this leader, {}, keeps "
                                + "trying and writes go on while {} of {} members answer", peer,
                                currentMembers().getOrDefault(peer, "joining, catching up"), silent, this.self, memberCount() / 2 + 1,
                                memberCount());
                    }
                    else if (since != null && silent < downAfter) {
                        this.peersDown.remove(peer);
                        log.info("Peer {} is back: it answers this leader, {}, again after {} ms", peer, this.self,
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
                    }
                }
            }
            else if (role != RaftProtos.RaftPeerRole.LEADER && !this.peersDown.isEmpty()) {
                this.peersDown.clear();
            }
            // Polled, so a follower's whole election (candidate for a few milliseconds) may fall
            // between two looks: a change of leader is what shows reliably.
            String leader = info.getLeaderId() == null ? null : info.getLeaderId().toString();
            if (this.lastKnownLeader != null && !this.lastKnownLeader.equals(leader)
                    && !this.lastKnownLeader.equals(this.self.toString())) {
                log.warn("Leader {} lost: this node, {}, no longer follows it (term {}); {}", this.lastKnownLeader,
                        this.self, info.getCurrentTerm(), leader == null
                                ? "an election is under way and writes wait for its outcome"
                                : leader.equals(this.self.toString()) ? "this node leads now" : leader + " leads now");
            }
            if (this.lastRole == RaftProtos.RaftPeerRole.LEADER && role != RaftProtos.RaftPeerRole.LEADER) {
                log.warn("This node, {}, is no longer the leader (term {}, now {}): it lost its majority or "
                        + "a newer term began elsewhere", this.self, info.getCurrentTerm(), role);
            }
            this.lastRole = role;
            this.lastKnownLeader = leader;
        }
        catch (RuntimeException ex) {
            log.debug("Watching the peers failed: {}", ex.toString());
        }
    }

    private void leaderChanged(String leader) {
        String previous = this.lastLeader;
        this.lastLeader = leader;
        if (leader == null) {
            log.warn("Leader {} is gone (term {}): an election is under way; writes wait for its outcome",
                    previous == null ? "(none)" : previous, term());
        }
        else if (leader.equals(this.self.toString())) {
            log.info("Election won: this node, {}, is the leader in term {}", leader, term());
        }
        else {
            log.info("Leader is now {} in term {}; this node, {}, is {}", leader, term(), this.self, role());
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
