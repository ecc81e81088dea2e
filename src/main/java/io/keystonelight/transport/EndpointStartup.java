package io.keystonelight.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.lifecycle.PidFile;
import io.keystonelight.store.KeyValueStore;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerExceptionEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;
import org.springframework.stereotype.Component;

/**
 * Holds the start until the TCP endpoint listens, then announces it: the address in the log and
 * the PID file on disk. The connection factory binds on a thread of its own and only logs a
 * failure to bind, so without this a server whose port is taken would run on with no endpoint.
 * <p>
 * The announcement comes as soon as the web server for health has its port, before Spring
 * finishes its start: the store is ready and the data port answers once it listens, and what
 * the context builds after that (Actuator's handlers, JSON, WebFlux's codecs, made when it reports
 * itself refreshed) is not needed to serve a request; a health request that comes first waits
 * for them. Without a web server the announcement waits for the runners, as it always did.
 * <p>
 * The events come through one typed listener, not {@code @EventListener} methods: the start does
 * not search beans for that annotation ({@code lifecycle.EagerServerBeans}).
 */
@Component
class EndpointStartup implements ApplicationRunner, ApplicationListener<ApplicationEvent> {

    private static final Logger log = LoggerFactory.getLogger(EndpointStartup.class);

    private static final long BIND_TIMEOUT_SECONDS = 30;

    /** The HTTP port announced when there is no web server (Actuator's HTTP side turned off). */
    private static final int NO_HTTP_PORT = -1;

    private final CompletableFuture<Integer> listening = new CompletableFuture<>();

    private final KeystoneLightProperties properties;

    private final PidFile pidFile;

    private final KeyValueStore store;

    /** The server namespace of the web server that serves health: Actuator's own when it has a port of its own. */
    private final String healthNamespace;

    /** Set and read on the main thread only: the web server starts and the runners run there. */
    private boolean announced;

    EndpointStartup(KeystoneLightProperties properties, PidFile pidFile, KeyValueStore store,
            Environment environment) {
        this.properties = properties;
        this.pidFile = pidFile;
        this.store = store;
        this.healthNamespace = hasOwnManagementPort(environment) ? "management" : null;
    }

    private static boolean hasOwnManagementPort(Environment environment) {
        String management = environment.getProperty("management.server.port");
        return management != null && !management.equals(environment.getProperty("server.port"));
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof TcpConnectionServerListeningEvent listeningEvent) {
            this.listening.complete(listeningEvent.getPort());
        }
        else if (event instanceof TcpConnectionServerExceptionEvent exceptionEvent) {
            this.listening.completeExceptionally(exceptionEvent.getCause());
        }
        else if (event instanceof WebServerInitializedEvent webServerEvent) {
            onWebServer(webServerEvent);
        }
    }

    /**
     * The web server starts in a later phase than the connection factory, which by then has begun
     * to bind: waiting for that here is waiting for a bind under way.
     */
    private void onWebServer(WebServerInitializedEvent event) {
        if (!this.announced
                && Objects.equals(event.getApplicationContext().getServerNamespace(), this.healthNamespace)) {
            try {
                announce(awaitListening(), event.getWebServer().getPort());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new EndpointUnavailableException("interrupted while waiting for the TCP endpoint to listen", ex);
            }
        }
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if (!this.announced) {
            announce(awaitListening(), NO_HTTP_PORT);
        }
    }

    private int awaitListening() throws InterruptedException {
        String host = this.properties.server().host();
        try {
            return this.listening.get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (ExecutionException ex) {
            throw new EndpointUnavailableException("the TCP endpoint could not listen on " + host + ":"
                    + this.properties.server().port() + ": " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (TimeoutException ex) {
            throw new EndpointUnavailableException("the TCP endpoint did not start listening on " + host + ":"
                    + this.properties.server().port() + " within " + BIND_TIMEOUT_SECONDS + " seconds", ex);
        }
    }

    private void announce(int tcpPort, int httpPort) {
        this.announced = true;
        try {
            this.pidFile.write();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not write the PID file " + this.pidFile.path() + ": "
                    + ex.getMessage(), ex);
        }
        int workers = this.properties.server().eventLoops();
        log.info("KeystoneLight is serving on {}:{} (data file {}, fsync {}, {}; health on HTTP port {})",
                this.properties.server().host(), tcpPort, this.store.dataFilePath().toAbsolutePath(),
                this.properties.storage().fsync().name().toLowerCase(),
                workers + (workers == 1 ? " event loop" : " event loops"), httpPort);
    }
}
