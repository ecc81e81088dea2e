package io.keystonelight.compaction;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;

import org.springframework.stereotype.Component;

/**
 * Every compaction of the store goes through here, whoever asked (SIGUSR1, the {@code compact}
 * request, the automatic policy), so that the {@code compact status} request can say how many
 * started, how many finished and how the last one ended. The client's {@code compact} reads it
 * before and after sending SIGUSR1, and so knows when the compaction it asked for finished and
 * whether it worked.
 *
 * <p>Compactions run one at a time, in the order they were asked for, and are numbered as they
 * start: one numbered above the {@code started} count a client read began after that read.
 */
@Component
public class CompactionHistory {

    private final KeyValueStore store;

    /** Fair: compactions run in the order they were asked for. */
    private final ReentrantLock running = new ReentrantLock(true);

    private long started;

    private long finished;

    private String last = "none";

    public CompactionHistory(KeyValueStore store) {
        this.store = store;
    }

    /** Compacts, after any compaction already running; records how it ended. */
    public CompactionResult compact() throws IOException {
        this.running.lock();
        try {
            synchronized (this) {
                this.started++;
            }
            try {
                CompactionResult result = this.store.compact();
                finish("OK " + summary(result));
                return result;
            }
            catch (IOException | RuntimeException ex) {
                finish("ERR " + failure(ex));
                throw ex;
            }
        }
        finally {
            this.running.unlock();
        }
    }

    private synchronized void finish(String outcome) {
        this.finished++;
        this.last = outcome;
    }

    /**
     * The reply to {@code compact status}:
     * {@code COMPACT pid=<pid> started=<n> finished=<n> last=<OK ...|ERR ...|none>}, the outcome
     * being what the {@code compact} request answered (or would have).
     */
    public synchronized String status() {
        return "COMPACT pid=" + ProcessHandle.current().pid() + " started=" + this.started + " finished="
                + this.finished + " last=" + this.last;
    }

    /** What a compaction did, in the words of the {@code compact} reply after its {@code OK}. */
    public static String summary(CompactionResult result) {
        if (result.description() != null) {
            return "compacted: " + result.description();
        }
        return "compacted: " + result.bytesBefore() + " -> " + result.bytesAfter() + " bytes ("
                + result.reclaimedBytes() + " reclaimed), " + result.liveKeys()
                + (result.liveKeys() == 1 ? " live key" : " live keys") + ", took " + result.duration().toMillis()
                + " ms";
    }

    /** Why a compaction failed, in the words of the {@code compact} reply after its {@code ERR}. */
    public static String failure(Exception ex) {
        String reason = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
        return "compaction failed, the data file is unchanged: " + reason;
    }
}
