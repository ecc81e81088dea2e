package io.keystonelight.compaction;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.StoreStats;

import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Compacts the data file when SIGUSR1 asked for it, or when {@link AutoCompactionPolicy} finds it
 * due. Checks once a second; the {@code compact} request does not come through here, it compacts
 * at once and answers when done.
 */
@Component
public class CompactionScheduler implements ApplicationListener<ContextClosedEvent> {

    private static final Logger log = LoggerFactory.getLogger(CompactionScheduler.class);

    /** After a failed automatic compaction; a signal or the compact request may try sooner. */
    private static final Duration AUTO_RETRY_DELAY = Duration.ofMinutes(1);

    private final KeyValueStore store;

    private final CompactionHistory history;

    private final AutoCompactionPolicy policy;

    private volatile boolean stopping;

    private long autoNotBeforeNanos = System.nanoTime();

    public CompactionScheduler(KeyValueStore store, CompactionHistory history, KeystoneLightProperties properties) {
        this.store = store;
        this.history = history;
        this.policy = new AutoCompactionPolicy(properties.compaction());
        String unavailable = CompactionSignal.unavailableReason();
        if (unavailable != null) {
            log.warn("kill -USR1 will not compact: {}. The compact request still does.", unavailable);
        }
        if (this.policy.isEnabled()) {
            log.info("Automatic compaction is on: {}", describe(properties.compaction()));
        }
        else {
            log.info("Automatic compaction is off (keystonelight.compaction.auto=false)");
        }
    }

    @Scheduled(fixedDelay = 1, timeUnit = TimeUnit.SECONDS)
    void compactWhenDue() {
        if (this.stopping) {
            return;
        }
        if (CompactionSignal.takeRequest()) {
            compact("SIGUSR1 received");
            return;
        }
        StoreStats stats = this.store.stats();
        if (this.policy.isDue(stats) && System.nanoTime() - this.autoNotBeforeNanos >= 0) {
            if (!compact("automatic: " + this.policy.reason(stats))) {
                this.autoNotBeforeNanos = System.nanoTime() + AUTO_RETRY_DELAY.toNanos();
                log.warn("Automatic compaction will try again in {} minute(s)", AUTO_RETRY_DELAY.toMinutes());
            }
        }
    }

    /**
     * No compaction starts once the server shuts down; one already running is let finish. A typed
     * listener, not {@code @EventListener}: the start does not search beans for that annotation
     * ({@code lifecycle.EagerServerBeans}).
     */
    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        this.stopping = true;
    }

    private boolean compact(String why) {
        log.info("Compacting the data file ({})", why);
        try {
            CompactionResult result = this.history.compact();
            log.info("Compaction done: data file {} -> {} ({} reclaimed), {} live key(s), {} writes carried over; "
                    + "took {} ms, writes waited at most {} ms", Sizes.describe(result.bytesBefore()),
                    Sizes.describe(result.bytesAfter()), Sizes.describe(Math.max(0, result.reclaimedBytes())),
                    result.liveKeys(), result.writesDuringCompaction(), result.duration().toMillis(),
                    result.longestWriteStall().toMillis());
            return true;
        }
        catch (IOException | RuntimeException ex) {
            String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            log.error("Compaction failed; the data file is unchanged and the server carries on: {}", message);
            return false;
        }
    }

    private static String describe(KeystoneLightProperties.Compaction settings) {
        return "when the data file is at least " + Sizes.describe(settings.autoMinSize().toBytes()) + " and at least "
                + Math.round(settings.autoMinReclaimable() * 100) + "% of it is reclaimable";
    }
}
