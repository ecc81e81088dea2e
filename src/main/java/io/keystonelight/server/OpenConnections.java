package io.keystonelight.server;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

/**
 * The endpoint's open connections, so that a shutdown can let each of them finish the requests it
 * has sent before it closes.
 */
@Component
class OpenConnections {

    private final Set<RequestReader> open = new HashSet<>();

    private boolean draining;

    synchronized void opened(RequestReader connection) {
        this.open.add(connection);
        if (this.draining) {
            // Accepted just before the listening socket closed.
            connection.finishAndClose();
        }
    }

    synchronized void closed(RequestReader connection) {
        if (this.open.remove(connection)) {
            notifyAll();
        }
    }

    synchronized int count() {
        return this.open.size();
    }

    /**
     * Asks every connection to answer what it has sent and close, and waits until each has, or
     * is idle with nothing left to answer, or {@code timeout} has passed.
     * @return how many connections were still busy when the time was up
     */
    synchronized int finishAndClose(Duration timeout) throws InterruptedException {
        this.draining = true;
        for (RequestReader connection : this.open) {
            connection.finishAndClose();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int busy = 0;
            for (RequestReader connection : this.open) {
                if (!connection.isFinished()) {
                    busy++;
                }
            }
            long left = deadline - System.nanoTime();
            if (busy == 0 || left <= 0) {
                return busy;
            }
            // Woken by closed(): a connection that is not finished yet only ever ends by closing.
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
