package io.keystonelight;

import java.util.List;

import org.springframework.context.annotation.ImportSelector;
import org.springframework.core.type.AnnotationMetadata;

/**
 * The server's own components and configuration classes, named instead of found by a scan of the
 * class path at each start (which read every class file of the server). Named as strings because
 * several are package-private to their package. {@code ServerComponentsTest} fails when a
 * component is added without being listed here, or when the list leaves the order a scan
 * registered them in (the order of, say, the command families a {@code List} is injected with).
 *
 * <p>An imported component's default bean name is its fully qualified class name, not the short
 * name a scan gives it; components whose name is seen (health indicators name their health
 * component) carry it explicitly.
 */
public class ServerComponents implements ImportSelector {

    static final List<String> CLASSES = List.of(
            "io.keystonelight.cluster.ClusterConfiguration",
            "io.keystonelight.command.CommandExecutor",
            "io.keystonelight.command.data.DataCommandFamily",
            "io.keystonelight.compaction.CompactionHistory",
            "io.keystonelight.compaction.CompactionScheduler",
            "io.keystonelight.config.SettingsValidator",
            "io.keystonelight.health.StoreHealthIndicator",
            "io.keystonelight.health.TcpEndpointHealthIndicator",
            "io.keystonelight.lifecycle.EagerServerBeans",
            "io.keystonelight.lifecycle.HttpOnFirstRequest",
            "io.keystonelight.lifecycle.PidFile",
            "io.keystonelight.metrics.ServerMetrics",
            "io.keystonelight.metrics.ThreadAllocations",
            "io.keystonelight.protocol.resp.ConfigCommands",
            "io.keystonelight.protocol.resp.ConnectionCommands",
            "io.keystonelight.protocol.resp.KeyCommands",
            "io.keystonelight.protocol.resp.KeyspaceNotifications",
            "io.keystonelight.protocol.resp.PubSub",
            "io.keystonelight.protocol.resp.PubSubCommands",
            "io.keystonelight.protocol.resp.RespProtocol",
            "io.keystonelight.protocol.resp.ServerCommands",
            "io.keystonelight.protocol.resp.StringCommands",
            "io.keystonelight.protocol.text.TextProtocol",
            "io.keystonelight.security.SecurityConfiguration",
            "io.keystonelight.store.StoreConfiguration",
            "io.keystonelight.transport.EndpointStartup",
            "io.keystonelight.transport.GracefulShutdown",
            "io.keystonelight.transport.MessagingConfiguration",
            "io.keystonelight.transport.TcpServerConfiguration");

    @Override
    public String[] selectImports(AnnotationMetadata importingClassMetadata) {
        return CLASSES.toArray(String[]::new);
    }
}
