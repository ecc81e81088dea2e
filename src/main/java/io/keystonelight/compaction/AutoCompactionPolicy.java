package io.keystonelight.compaction;

import java.util.Locale;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.store.StoreStats;

/**
 * Decides when the data file is worth compacting without being asked: when it is large enough
 * and enough of it is stale. A file that keeps growing with live data is never rewritten for
 * nothing, and a small one is not rewritten every few writes.
 */
final class AutoCompactionPolicy {

    private final boolean enabled;

    private final long minBytes;

    private final double minReclaimable;

    AutoCompactionPolicy(KeystoneLightProperties.Compaction settings) {
        this(settings.auto(), settings.autoMinSize().toBytes(), settings.autoMinReclaimable());
    }

    AutoCompactionPolicy(boolean enabled, long minBytes, double minReclaimable) {
        this.enabled = enabled;
        this.minBytes = minBytes;
        this.minReclaimable = minReclaimable;
    }

    boolean isDue(StoreStats stats) {
        // A store that refuses writes cannot compact either: trying again every second would only
        // repeat the same error in the log.
        return this.enabled && stats.writeFailure() == null && stats.dataFileBytes() >= this.minBytes
                && stats.reclaimableRatio() >= this.minReclaimable;
    }

    /** Why it is due, in the operator's words. */
    String reason(StoreStats stats) {
        return String.format(Locale.ROOT, "the data file is %s and %.0f%% of it is reclaimable "
                + "(auto-compaction from %s and %.0f%%)", Sizes.describe(stats.dataFileBytes()),
                stats.reclaimableRatio() * 100, Sizes.describe(this.minBytes), this.minReclaimable * 100);
    }

    boolean isEnabled() {
        return this.enabled;
    }
}
