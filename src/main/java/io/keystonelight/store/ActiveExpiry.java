package io.keystonelight.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Finds keys past their deadline that nobody reads, and those a read found expired, and deletes
 * them through the write pipeline (a delete record each, as Redis's AOF gets a DEL). Each run
 * looks at a bounded number of deadlines and deletes in bounded batches, so the committer is held
 * a short step at a time and other clients' writes interleave.
 */
final class ActiveExpiry {

    /** Deadlines looked at per run (every 100 ms): a full pass over 1M keys takes about half a second. */
    private static final int EXAMINED_PER_RUN = 200_000;

    private static final int KEYS_PER_WRITE = 1_000;

    private static final int WRITES_PER_RUN = 20;

    private static final int MAX_SEEN = 10_000;

    private final StoreTables tables;

    private final ConcurrentLinkedQueue<byte[]> seen = new ConcurrentLinkedQueue<>();

    private final AtomicInteger seenCount = new AtomicInteger();

    private Iterator<Map.Entry<ByteKey, Long>> cursor;

    private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);

    ActiveExpiry(StoreTables tables) {
        this.tables = tables;
    }

    /** A read found {@code key} past its deadline: delete it soon. Called from any thread. */
    void seen(byte[] key) {
        if (this.seenCount.incrementAndGet() <= MAX_SEEN) {
            this.seen.add(key);
        }
        else {
            this.seenCount.decrementAndGet();
        }
    }

    /** One run; called by one scheduled thread at a time. */
    synchronized void run(Function<Write<Integer>, CompletableFuture<Integer>> submit) {
        if (!this.inFlight.isDone()) {
            return;
        }
        long now = System.currentTimeMillis();
        List<byte[]> expired = new ArrayList<>();
        byte[] key;
        while ((key = this.seen.poll()) != null) {
            this.seenCount.decrementAndGet();
            expired.add(key);
        }
        if (!this.tables.deadlines.isEmpty()) {
            if (this.cursor == null || !this.cursor.hasNext()) {
                this.cursor = this.tables.deadlines.entrySet().iterator();
            }
            int examined = 0;
            while (this.cursor.hasNext() && examined < EXAMINED_PER_RUN
                    && expired.size() < KEYS_PER_WRITE * WRITES_PER_RUN) {
                Map.Entry<ByteKey, Long> entry = this.cursor.next();
                examined++;
                if (entry.getValue() <= now) {
                    expired.add(entry.getKey().bytes());
                }
            }
        }
        CompletableFuture<?> last = null;
        for (int from = 0; from < expired.size(); from += KEYS_PER_WRITE) {
            List<byte[]> batch = expired.subList(from, Math.min(expired.size(), from + KEYS_PER_WRITE));
            last = submit.apply(new Write.Expire(new ArrayList<>(batch), now));
        }
        if (last != null) {
            // Failures (a full disk, a lost leadership) only mean the keys stay until a later run.
            this.inFlight = last.exceptionally(failure -> null);
        }
    }
}
