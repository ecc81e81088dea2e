package io.keystonelight.metrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.transport.EventLoopServerConnectionFactory;

import org.springframework.stereotype.Component;

/**
 * The server's Micrometer meters, at {@code /actuator/metrics} (and {@code /actuator/prometheus}
 * once exposed). Nothing is timed or counted here per request: the meters read counters that
 * the request path, the data file and the transport keep anyway, the same figures RESP
 * {@code INFO} shows.
 */
@Component
public class ServerMetrics implements MeterBinder {

    private final CommandExecutor commands;

    private final KeyValueStore store;

    private final EventLoopServerConnectionFactory connections;

    private final ThreadAllocations allocations;

    public ServerMetrics(CommandExecutor commands, KeyValueStore store, EventLoopServerConnectionFactory connections,
            ThreadAllocations allocations) {
        this.allocations = allocations;
        this.commands = commands;
        this.store = store;
        this.connections = connections;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Command.Kind kind : Command.Kind.values()) {
            FunctionCounter.builder("keystonelight.commands", this.commands, executor -> executor.commandsProcessed(kind))
                    .description("Requests run, by how they order: read, write (answered once durable) or slow "
                            + "(compaction)")
                    .tag("kind", kind.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        FunctionCounter.builder("keystonelight.command.errors", this.commands, CommandExecutor::commandsFailed)
                .description("Requests answered with an error")
                .register(registry);
        Gauge.builder("keystonelight.connections.open", this.connections,
                EventLoopServerConnectionFactory::openConnections)
                .description("Client connections open now")
                .register(registry);
        FunctionCounter.builder("keystonelight.connections.accepted", this.connections,
                EventLoopServerConnectionFactory::acceptedConnections)
                .description("Client connections accepted since start")
                .register(registry);
        FunctionCounter.builder("keystonelight.connections.refused", this.connections,
                EventLoopServerConnectionFactory::refusedConnections)
                .description("Client connections refused: over keystonelight.server.max-connections")
                .register(registry);
        AppendOnlyFile dataFile = this.store.dataFile();
        FunctionTimer.builder("keystonelight.fsync", dataFile, AppendOnlyFile::fsyncCount,
                AppendOnlyFile::fsyncNanos, TimeUnit.NANOSECONDS)
                .description("Fsyncs of the data file for acknowledged writes, and the time they took")
                .register(registry);
        FunctionCounter.builder("keystonelight.compactions", dataFile, AppendOnlyFile::rewriteCount)
                .description("Compactions that rewrote the data file")
                .register(registry);
        FunctionCounter.builder("keystonelight.allocated", this.allocations, ThreadAllocations::eventLoopBytes)
                .description("Bytes allocated by the event loops, which read, run and answer requests")
                .baseUnit("bytes").tag("thread", "event-loop")
                .register(registry);
        FunctionCounter.builder("keystonelight.allocated", this.allocations, ThreadAllocations::committerBytes)
                .description("Bytes allocated by the write pipeline's committer (fsync always)")
                .baseUnit("bytes").tag("thread", "committer")
                .register(registry);
        Gauge.builder("keystonelight.keys", this.store, KeyValueStore::size)
                .description("Live keys")
                .register(registry);
        Gauge.builder("keystonelight.data.file.size", this.store, store -> store.stats().dataFileBytes())
                .description("Bytes of the data file")
                .baseUnit("bytes")
                .register(registry);
    }
}
