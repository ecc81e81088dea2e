package io.keystonelight.transport;

import java.io.IOException;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.lifecycle.PidFile;
import io.keystonelight.store.KeyValueStore;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The server's shutdown on SIGTERM or Ctrl-C, in this order: stop accepting connections, answer
 * the requests already received, close the data file (flushed, fsynced, lock released), remove
 * the PID file. Once the PID file is gone, the data file is free for the next start.
 *
 * <p>It runs in the first shutdown phase, ahead of the inbound and outbound endpoints, which
 * would otherwise stop replies to requests in progress, and ahead of the web server, so that
 * health answers meanwhile.
 */
@Component
class GracefulShutdown implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

    /** Stops before the web server (DEFAULT_PHASE - 1024) and every Spring Integration endpoint. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

    private final EventLoopServerConnectionFactory connectionFactory;

    private final KeyValueStore store;

    private final PidFile pidFile;

    private final Duration timeout;

    private volatile boolean running;

    GracefulShutdown(EventLoopServerConnectionFactory connectionFactory, KeyValueStore store, PidFile pidFile,
            KeystoneLightProperties properties) {
        this.connectionFactory = connectionFactory;
        this.store = store;
        this.pidFile = pidFile;
        this.timeout = properties.server().shutdownTimeout();
    }

    @Override
    public void start() {
        this.running = true;
    }

    @Override
    public void stop() {
        this.running = false;
        this.connectionFactory.stopAccepting();
        log.info("Shutting down: no longer accepting connections; {} open connection(s) get the replies to the "
                + "requests they sent (for at most {} s)", this.connectionFactory.openConnections(),
                this.timeout.toSeconds());
        try {
            int busy = this.connectionFactory.finishConnections(this.timeout);
            if (busy > 0) {
                log.warn("{} connection(s) still busy after {} s (keystonelight.server.shutdown-timeout); closing "
                        + "them", busy, this.timeout.toSeconds());
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while connections finished their requests; closing them now");
        }
        this.connectionFactory.stop();
        try {
            this.store.close();
        }
        catch (IOException ex) {
            log.error("Closing the data file failed: {}. Acknowledged writes are in the file; a restart replays "
                    + "it.", ex.getMessage());
        }
        this.pidFile.remove();
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
