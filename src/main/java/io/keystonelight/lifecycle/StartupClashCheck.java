package io.keystonelight.lifecycle;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.keystonelight.persistence.AppendOnlyFile;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Before anything is built, tries what a second server on the same settings would trip over
 * later, one at a time and seconds apart: the TCP port, Actuator's HTTP port and the data file's
 * lock. Every one found taken is named in one report, and the start stops at once. A port taken
 * after this check is still reported when the server binds it, as before.
 */
public class StartupClashCheck implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        List<StartupClashException.Clash> clashes = find(context.getEnvironment());
        if (!clashes.isEmpty()) {
            throw new StartupClashException(clashes);
        }
    }

    static List<StartupClashException.Clash> find(ConfigurableEnvironment environment) {
        Binder binder = Binder.get(environment);
        List<StartupClashException.Clash> clashes = new ArrayList<>();
        String host = setting(binder, "keystonelight.server.host", String.class, "127.0.0.1");
        Integer tcpPort = setting(binder, "keystonelight.server.port", Integer.class, 7878);
        if (host != null && tcpPort != null && isTaken(host, tcpPort)) {
            clashes.add(new StartupClashException.Clash("the TCP endpoint could not listen on " + host + ":" + tcpPort
                    + ": the port is already in use", "choose another TCP port with --keystonelight.server.port=..."));
        }
        String httpHost = setting(binder, "server.address", String.class, "0.0.0.0");
        Integer httpPort = setting(binder, "server.port", Integer.class, 8080);
        Integer managementPort = setting(binder, "management.server.port", Integer.class, null);
        if (managementPort != null) {
            httpHost = setting(binder, "management.server.address", String.class, httpHost);
            httpPort = managementPort;
        }
        if (httpHost != null && httpPort != null && isTaken(httpHost, httpPort)) {
            clashes.add(new StartupClashException.Clash("the HTTP port " + httpPort + " for health (Actuator) is "
                    + "already in use", "choose another HTTP port with --server.port=... (0 picks a free one, which "
                            + "is logged)"));
        }
        Path dataFile = setting(binder, "keystonelight.storage.data-file", Path.class, Path.of("db.txt"));
        if (dataFile != null && AppendOnlyFile.isLockedByAnother(dataFile)) {
            clashes.add(new StartupClashException.Clash("data file " + dataFile + " is already in use by another "
                    + "KeystoneLight server (it holds the lock on " + AppendOnlyFile.lockFileOf(dataFile) + ")",
                    "give this server another data file with --keystonelight.storage.data-file=..."));
        }
        return clashes;
    }

    /** The setting's value, its default when unset, or {@code null} when it does not convert (validation says why). */
    private static <T> T setting(Binder binder, String name, Class<T> type, T fallback) {
        try {
            return binder.bind(name, type).orElse(fallback);
        }
        catch (RuntimeException ex) {
            return null;
        }
    }

    /** Whether a listening socket on {@code host:port} fails because something else has the address. */
    private static boolean isTaken(String host, int port) {
        if (port <= 0 || port > 65535) {
            return false;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        }
        catch (IOException ex) {
            // An unknown host fails later with its own message.
            return false;
        }
        try (ServerSocket probe = new ServerSocket()) {
            // As the servers bind: without this a port in TIME_WAIT would count as taken.
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address, port), 1);
            return false;
        }
        catch (java.net.BindException ex) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }
}
