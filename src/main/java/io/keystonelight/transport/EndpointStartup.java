package io.keystonelight.transport;

import java.io.IOException;
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
import org.springframework.context.event.EventListener;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerExceptionEvent;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;
import org.springframework.stereotype.Component;

/**
 * Holds the start until the TCP endpoint listens, then announces it: the address in the log and
 * the PID file on disk. The connection factory binds on a thread of its own and only logs a
 * failure to bind, so without this a server whose port is taken would run on with no endpoint.
 */
@Component
class EndpointStartup implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(EndpointStartup.class);

    private static final long BIND_TIMEOUT_SECONDS = 30;

    private final CompletableFuture<Integer> listening = new CompletableFuture<>();

    private final KeystoneLightProperties properties;

    private final PidFile pidFile;

    private final KeyValueStore store;

    EndpointStartup(KeystoneLightProperties properties, PidFile pidFile, KeyValueStore store) {
        this.properties = properties;
        this.pidFile = pidFile;
        this.store = store;
    }

    private volatile int httpPort = -1;

    @EventListener
    void onWebServer(WebServerInitializedEvent event) {
        this.httpPort = event.getWebServer().getPort();
    }

    @EventListener
    void onListening(TcpConnectionServerListeningEvent event) {
        this.listening.complete(event.getPort());
    }

    @EventListener
    void onServerException(TcpConnectionServerExceptionEvent event) {
        this.listening.completeExceptionally(event.getCause());
    }

    @Override
    public void run(ApplicationArguments args) throws IOException, InterruptedException {
        String host = this.properties.server().host();
        int port;
        try {
            port = this.listening.get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (ExecutionException ex) {
            throw new EndpointUnavailableException("the TCP endpoint could not listen on " + host + ":"
                    + this.properties.server().port() + ": " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (TimeoutException ex) {
            throw new EndpointUnavailableException("the TCP endpoint did not start listening on " + host + ":"
                    + this.properties.server().port() + " within " + BIND_TIMEOUT_SECONDS + " seconds", ex);
        }
        this.pidFile.write();
        int workers = this.properties.server().eventLoops();
        log.info("KeystoneLight is serving on {}:{} (data file {}, fsync {}, {}; health on HTTP port {})",
                host, port, this.store.dataFilePath().toAbsolutePath(),
                this.properties.storage().fsync().name().toLowerCase(),
                workers + (workers == 1 ? " event loop" : " event loops"),
                this.httpPort);
    }
}
