package io.keystonelight.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.keystonelight.support.Needs;
import io.keystonelight.support.PowerLossDisk;
import io.keystonelight.support.ServerProcess;

/**
 * A test class whose server runs on the {@link PowerLossDisk}: skipped where that file system
 * cannot run, the server and the file system ended after each test however it went, and the
 * step every round of such a test takes: clients running until it is time, then the power cut.
 */
abstract class PowerCuts {

    protected PowerLossDisk disk;

    protected ServerProcess server;

    /** What the tests are, for the reason a skip gives. */
    protected abstract String what();

    @BeforeEach
    void fuseIsAvailable() {
        String why = PowerLossDisk.unavailable();
        Needs.require(why == null, () -> what() + ": the power-loss file system cannot run here: " + why);
    }

    @AfterEach
    void pullThePlug() {
        if (this.server != null && this.server.isAlive()) {
            this.server.signal("KILL");
        }
        if (this.disk != null) {
            this.disk.close();
        }
        if (this.server != null) {
            this.server.close();
        }
    }

    /**
     * Runs {@code clients} until {@code cutNow} holds, runs {@code atTheCut}, cuts the power (torn
     * unless {@code tear} is null) and waits for every client to end. A client that failed, or
     * ended before the cut, fails the test here.
     * @return what the file system dropped
     */
    protected String cutWhileRunning(List<Callable<?>> clients, BooleanSupplier cutNow, Runnable atTheCut, Long tear)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients.size());
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Callable<?> client : clients) {
                running.add(threads.submit(client));
            }
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(2))
                    .until(() -> cutNow.getAsBoolean() || running.stream().anyMatch(Future::isDone));
            for (Future<?> client : running) {
                if (client.isDone()) {
                    // Its failure, which names what it met, fails the test here.
                    client.get();
                    throw new AssertionError("a client stopped before the power cut, with no failure:\n"
                            + this.server.output());
                }
            }
            atTheCut.run();
            String dropped = this.disk.powerCut(this.server, tear);
            this.disk = null;
            for (Future<?> client : running) {
                // A client that got an unexpected reply fails the test here.
                client.get(60, TimeUnit.SECONDS);
            }
            return dropped;
        }
        finally {
            threads.shutdownNow();
        }
    }
}
