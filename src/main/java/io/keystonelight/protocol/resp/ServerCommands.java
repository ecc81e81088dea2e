package io.keystonelight.protocol.resp;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandException;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.metrics.ThreadAllocations;
import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.compaction.CompactionHistory;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.StoreStats;
import io.keystonelight.transport.EventLoopServerConnectionFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/** RESP's server commands: INFO, COMMAND, BGREWRITEAOF, TIME, LASTSAVE. */
@Component
class ServerCommands implements CommandFamily {

    private static final Logger log = LoggerFactory.getLogger(ServerCommands.class);

    /**
     * The Redis release whose replies and error wording the RESP commands follow; clients that
     * ask for a version get this one, and {@code keystonelight_version} says what runs.
     */
    static final String REDIS_VERSION = "7.0.0";

    static final String OWN_VERSION = ownVersion();

    private static final long STARTED_MILLIS = System.currentTimeMillis();

    private final KeyValueStore store;

    /** Every compaction goes through it, so that {@code compact status} counts BGREWRITEAOF too. */
    private final CompactionHistory compactions;

    private final ObjectProvider<CommandExecutor> executor;

    private final EventLoopServerConnectionFactory connections;

    private final KeystoneLightProperties properties;

    private final Executor slowCommands;

    private final AtomicBoolean rewriting = new AtomicBoolean();

    private volatile boolean lastRewriteFailed;

    /**
     * The Stats section's counts at the last CONFIG RESETSTAT, which INFO subtracts: the counters
     * themselves never go back, as Actuator's metrics read them too.
     */
    private volatile Map<String, Long> statsAtReset = Map.of();

    private final ThreadAllocations allocations;

    ServerCommands(KeyValueStore store, CompactionHistory compactions, ObjectProvider<CommandExecutor> executor,
            EventLoopServerConnectionFactory connections, KeystoneLightProperties properties,
            @Qualifier("slowCommands") Executor slowCommands, ThreadAllocations allocations) {
        this.allocations = allocations;
        this.store = store;
        this.compactions = compactions;
        this.executor = executor;
        this.connections = connections;
        this.properties = properties;
        this.slowCommands = slowCommands;
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof RespCommand.Info || command instanceof RespCommand.CommandInfo
                || command instanceof RespCommand.BackgroundRewrite
                || command instanceof RespCommand.Time || command instanceof RespCommand.LastSave;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        if (command instanceof RespCommand.Info info) {
            return CompletableFuture.completedFuture(info(info.sections()).getBytes(StandardCharsets.UTF_8));
        }
        if (command instanceof RespCommand.CommandInfo commandInfo) {
            return CompletableFuture.completedFuture(switch (commandInfo.subcommand()) {
                case "count" -> (long) CommandTable.COMMANDS.size();
                case "docs" -> List.of();
                default -> CommandTable.describeAll();
            });
        }
        if (command instanceof RespCommand.BackgroundRewrite) {
            return CompletableFuture.completedFuture(backgroundRewrite());
        }
        if (command instanceof RespCommand.Time) {
            return CompletableFuture.completedFuture(time());
        }
        if (command instanceof RespCommand.LastSave) {
            // Every write is durable when answered; the last compaction is the nearest thing to a save.
            java.time.Instant compacted = this.store.stats().lastCompaction();
            return CompletableFuture.completedFuture(compacted != null ? compacted.getEpochSecond()
                    : STARTED_MILLIS / 1000);
        }
        throw new IllegalArgumentException("not a server command: " + command);
    }

    /** As Redis: two bulk strings, the Unix time in seconds and the microseconds into that second. */
    private static Object time() {
        java.time.Instant now = java.time.Instant.now();
        return List.of(String.valueOf(now.getEpochSecond()), String.valueOf(now.getNano() / 1000));
    }

    /** Starts the compaction SIGUSR1 starts, on a thread of its own, and answers at once. */
    private Object backgroundRewrite() {
        if (!this.rewriting.compareAndSet(false, true)) {
            throw new CommandException("ERR", "Background append only file rewriting already in progress");
        }
        try {
            this.slowCommands.execute(() -> {
                try {
                    CompactionResult result = this.compactions.compact();
                    this.lastRewriteFailed = false;
                    log.info("BGREWRITEAOF compacted the data file: {} -> {} bytes, {} live keys, took {} ms",
                            result.bytesBefore(), result.bytesAfter(), result.liveKeys(), result.duration().toMillis());
                }
                catch (Exception ex) {
                    this.lastRewriteFailed = true;
                    log.error("BGREWRITEAOF failed; the data file is unchanged: {}",
                            ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage());
                }
                finally {
                    this.rewriting.set(false);
                }
            });
        }
        catch (RuntimeException ex) {
            this.rewriting.set(false);
            throw new CommandException("ERR", "could not start the rewrite: " + ex.getMessage());
        }
        return "Background append only file rewriting started";
    }

    /** INFO's text: Redis's field names where Redis has the figure, {@code keystonelight_*} otherwise. */
    String info(java.util.Set<String> sections) {
        // Every section here is one of Redis's default ones; they come in Redis's order whatever the order asked.
        boolean all = sections.isEmpty() || sections.contains("default") || sections.contains("all")
                || sections.contains("everything");
        StringBuilder info = new StringBuilder();
        CommandExecutor commands = this.executor.getObject();
        StoreStats stats = this.store.stats();
        AppendOnlyFile file = this.store.dataFile();
        if (all || sections.contains("server")) {
            long uptime = (System.currentTimeMillis() - STARTED_MILLIS) / 1000;
            start(info, "Server");
            field(info, "redis_version", REDIS_VERSION);
            field(info, "keystonelight_version", OWN_VERSION);
            field(info, "redis_mode", "standalone");
            field(info, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch"));
            field(info, "arch_bits", System.getProperty("sun.arch.data.model", "64"));
            field(info, "java_version", System.getProperty("java.version"));
            field(info, "process_id", ProcessHandle.current().pid());
            field(info, "tcp_port", this.connections.getPort());
            field(info, "uptime_in_seconds", uptime);
            field(info, "uptime_in_days", uptime / 86400);
        }
        if (all || sections.contains("clients")) {
            start(info, "Clients");
            field(info, "connected_clients", this.connections.openConnections());
            field(info, "maxclients", this.connections.maxConnections());
            field(info, "blocked_clients", this.store.blocked().blockedClients());
        }
        if (all || sections.contains("memory")) {
            Runtime runtime = Runtime.getRuntime();
            long used = runtime.totalMemory() - runtime.freeMemory();
            start(info, "Memory");
            field(info, "used_memory", used);
            field(info, "used_memory_human", human(used));
            field(info, "used_memory_peak", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted());
            field(info, "maxmemory", runtime.maxMemory());
            field(info, "maxmemory_human", human(runtime.maxMemory()));
            field(info, "maxmemory_policy", "noeviction");
        }
        if (all || sections.contains("persistence")) {
            long fsyncs = file.fsyncCount();
            start(info, "Persistence");
            field(info, "loading", 0);
            field(info, "aof_enabled", 1);
            field(info, "aof_rewrite_in_progress", this.rewriting.get() ? 1 : 0);
            field(info, "aof_rewrites", file.rewriteCount());
            field(info, "aof_last_bgrewrite_status", this.lastRewriteFailed ? "err" : "ok");
            field(info, "aof_last_write_status", stats.writeFailure() == null ? "ok" : "err");
            field(info, "aof_current_size", stats.dataFileBytes());
            field(info, "aof_fsync", this.properties.storage().fsync().name().toLowerCase(Locale.ROOT));
            field(info, "keystonelight_reclaimable_bytes", stats.reclaimableBytes());
            field(info, "keystonelight_fsyncs", fsyncs);
            field(info, "keystonelight_fsync_total_usec", file.fsyncNanos() / 1000);
            field(info, "keystonelight_last_compaction", stats.lastCompaction() == null ? ""
                    : stats.lastCompaction().toString());
        }
        if (all || sections.contains("stats")) {
            start(info, "Stats");
            Map<String, Long> atReset = this.statsAtReset;
            stats(commands).forEach((name, count) -> field(info, name, count - atReset.getOrDefault(name, 0L)));
            // Allocation counts what the threads did since start, which RESETSTAT leaves alone as Redis's own
            // counters of memory are: a benchmark takes the difference of two readings.
            field(info, "keystonelight_event_loop_allocated_bytes", this.allocations.eventLoopBytes());
            field(info, "keystonelight_committer_allocated_bytes", this.allocations.committerBytes());
        }
        if (all || sections.contains("cpu")) {
            start(info, "CPU");
            CpuTimes.appendTo(info);
        }
        if (all || sections.contains("keyspace")) {
            start(info, "Keyspace");
            long keys = this.store.size();
            if (keys > 0) {
                field(info, "db0", "keys=" + keys + ",expires=" + this.store.keysWithDeadline() + ",avg_ttl=0");
            }
        }
        return info.toString();
    }

    /** The Stats section's counts since the start, in INFO's order. */
    private Map<String, Long> stats(CommandExecutor commands) {
        long[] commits = this.store.commitCounts();
        Map<String, Long> stats = new java.util.LinkedHashMap<>();
        stats.put("total_connections_received", this.connections.acceptedConnections());
        stats.put("total_commands_processed", commands.commandsProcessed());
        stats.put("expired_keys", this.store.expiredKeys());
        stats.put("rejected_connections", this.connections.refusedConnections());
        stats.put("total_error_replies", commands.commandsFailed());
        stats.put("keystonelight_read_commands", commands.commandsProcessed(Command.Kind.READ));
        stats.put("keystonelight_write_commands", commands.commandsProcessed(Command.Kind.WRITE));
        stats.put("keystonelight_slow_commands", commands.commandsProcessed(Command.Kind.SLOW));
        stats.put("keystonelight_write_groups", commits.length > 0 ? commits[0] : 0);
        stats.put("keystonelight_writes_committed", commits.length > 1 ? commits[1] : 0);
        stats.put("keystonelight_committer_groups", commits.length > 2 ? commits[2] : 0);
        return stats;
    }

    /** CONFIG RESETSTAT: the Stats section counts from now on. */
    void resetStats() {
        this.statsAtReset = new HashMap<>(stats(this.executor.getObject()));
    }

    private static void start(StringBuilder info, String section) {
        if (!info.isEmpty()) {
            info.append("\r\n");
        }
        info.append("# ").append(section).append("\r\n");
    }

    private static void field(StringBuilder info, String name, Object value) {
        info.append(name).append(':').append(value).append("\r\n");
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        double value = bytes;
        String[] units = { "K", "M", "G", "T" };
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f%s", value, units[unit]);
    }

    private static String ownVersion() {
        String version = ServerCommands.class.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }
}
