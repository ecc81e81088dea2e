package io.keystonelight.config;

import java.nio.file.Path;
import java.time.Duration;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RepairMode;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the server, under {@code keystonelight.*}. The defaults here are the
 * documented ones, so the jar runs the same with or without an {@code application.yml}.
 *
 * @param server the TCP endpoint
 * @param storage the data file
 * @param compaction when the data file is rewritten without the records it no longer needs
 * @param pidFile written once the TCP port is bound, removed on clean shutdown
 * @param cluster cluster mode: several nodes replicating every write through Raft; off without a node id
 */
@Validated
@ConfigurationProperties("keystonelight")
public record KeystoneLightProperties(
        @DefaultValue Server server,
        @DefaultValue Storage storage,
        @DefaultValue Compaction compaction,
        @DefaultValue("keystonelight.pid") Path pidFile,
        @DefaultValue Cluster cluster) {

    /**
     * @param host the address the TCP endpoint binds
     * @param port the TCP port; 0 picks a free one, which is logged
     * @param workers event-loop threads; each owns a share of the connections and reads, parses and
     *        executes their requests (4 by default, as the contract says); 0: one per core, see
     *        {@link #eventLoops()}
     * @param maxLineLength the longest request line of the text protocol; a longer one is refused and its
     *        connection closed
     * @param protoMaxBulkLen the longest bulk string of a RESP request, as Redis's {@code proto-max-bulk-len}
     *        (at least 1MB, as Redis asks; at most 2047MB, what one Java array holds); a longer one is a
     *        protocol error that closes the connection
     * @param maxConnections connections served at once; more are refused with an ERR line
     * @param password when set, a connection must send {@code auth <password>} before anything else
     * @param allowUnauthenticatedRemote whether the server may listen on an address other than loopback
     *        without a password; without this it refuses to start
     * @param idleTimeout a connection that sends nothing for this long is closed, so that idle
     *        clients cannot hold every place of {@code maxConnections}; 0 (the default) never
     *        closes one, as Redis's {@code timeout 0}
     * @param shutdownTimeout how long a shutdown lets open connections get the replies to the
     *        requests they already sent before it closes them
     */
    public record Server(
            @DefaultValue("127.0.0.1") String host,
            @DefaultValue("7878") int port,
            @DefaultValue("4") int workers,
            @DefaultValue("1MB") DataSize maxLineLength,
            @DefaultValue("10000") int maxConnections,
            String password,
            @DefaultValue("false") boolean allowUnauthenticatedRemote,
            @DefaultValue("10s") Duration shutdownTimeout,
            @DefaultValue("0s") Duration idleTimeout,
            @DefaultValue("512MB") DataSize protoMaxBulkLen) {

        /** Redis's own lower bound for {@code proto-max-bulk-len}. */
        public static final DataSize MIN_PROTO_MAX_BULK_LEN = DataSize.ofMegabytes(1);

        /** What one Java byte array holds, rounded down to whole megabytes. */
        public static final DataSize MAX_PROTO_MAX_BULK_LEN = DataSize.ofMegabytes(2047);

        /**
         * The event loops to run: {@code workers}, or one per core when it is 0. A loop more than
         * the cores never runs beside the others; it only adds context switches and wake-ups,
         * and one more thread that can find the commit lock taken (on 2 cores, 4 loops took 0.1
         * to 0.2 context switches per request more than 2 under redis-benchmark's 50 clients).
         */
        public int eventLoops() {
            return this.workers > 0 ? this.workers : Runtime.getRuntime().availableProcessors();
        }

        /** Keeps the password out of logs and reports. */
        @Override
        public String toString() {
            return "Server[host=" + this.host + ", port=" + this.port + ", workers=" + this.workers
                    + ", maxLineLength=" + this.maxLineLength + ", maxConnections=" + this.maxConnections
                    + ", password=" + (this.password == null || this.password.isEmpty() ? "(none)" : "(set)")
                    + ", allowUnauthenticatedRemote=" + this.allowUnauthenticatedRemote
                    + ", shutdownTimeout=" + this.shutdownTimeout + ", idleTimeout=" + this.idleTimeout
                    + ", protoMaxBulkLen=" + this.protoMaxBulkLen + "]";
        }
    }

    /**
     * @param dataFile the append-only data file
     * @param fsync when appended records are forced to disk
     * @param repair what to do at start with a data file damaged before its end: {@code none} refuses to
     *        start, {@code truncate} keeps a copy and cuts the file at the damaged line
     */
    public record Storage(
            @DefaultValue("db.txt") Path dataFile,
            @DefaultValue("always") FsyncPolicy fsync,
            @DefaultValue("none") RepairMode repair) {
    }

    /**
     * SIGUSR1 and the {@code compact} request always compact; these settings are about compacting
     * without being asked. Both thresholds must be met, so a small file is left alone however much
     * of it is stale, and a large one as long as most of it is live.
     *
     * @param auto whether to compact without being asked
     * @param autoMinSize the data file must be at least this large
     * @param autoMinReclaimable at least this share of the data file (0 to 1, above 0) must be
     *        records that compaction would drop: overwritten values and deletes
     */
    public record Compaction(
            @DefaultValue("true") boolean auto,
            @DefaultValue("64MB") DataSize autoMinSize,
            @DefaultValue("0.5") double autoMinReclaimable) {
    }

    /**
     * Cluster mode (Raft on Apache Ratis). Without {@code nodeId} the server is a single node and
     * none of the other settings is used.
     *
     * @param nodeId this node's id, one of the names in {@code peers}
     * @param peers every member, {@code n1=host:port,n2=host:port,...}: Raft addresses, this node included
     * @param dir this node's Raft storage folder (log, snapshots)
     * @param writeTimeout how long a write may wait for a leader and a majority before it gets ERR
     * @param readConsistency {@code linearizable}: a read sees every write acknowledged before it
     *        began, on any node; {@code local}: a read answers from this node's copy at once, which
     *        may lag behind the leader
     * @param electionTimeout a follower that hears nothing from its leader for between this and
     *        twice this starts an election
     * @param snapshotEvery a snapshot is taken (and the log purged behind it) after this many log entries
     * @param logSegmentSize the Raft log is kept in files of this size; only whole files are purged
     */
    public record Cluster(
            String nodeId,
            String peers,
            @DefaultValue("raft") Path dir,
            @DefaultValue("5s") Duration writeTimeout,
            @DefaultValue("linearizable") ReadConsistency readConsistency,
            @DefaultValue("1s") Duration electionTimeout,
            @DefaultValue("100000") long snapshotEvery,
            @DefaultValue("8MB") DataSize logSegmentSize) {

        /** Whether this server is a node of a cluster. */
        public boolean enabled() {
            return this.nodeId != null && !this.nodeId.isBlank();
        }
    }

    /** How fresh a read in cluster mode must be. */
    public enum ReadConsistency {
        LINEARIZABLE, LOCAL
    }
}
