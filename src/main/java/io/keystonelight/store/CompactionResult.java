package io.keystonelight.store;

import java.time.Duration;

/**
 * What one compaction did.
 *
 * @param bytesBefore data file size when it began
 * @param bytesAfter data file size when it finished
 * @param liveKeys keys written to the new file
 * @param writesDuringCompaction records appended while it ran, carried into the new file
 * @param duration how long it took
 * @param longestWriteStall the longest time writers were held back by it
 * @param description what it did in words, where the numbers above do not say it (a cluster
 *        node's snapshot); {@code null} otherwise
 */
public record CompactionResult(long bytesBefore, long bytesAfter, long liveKeys, long writesDuringCompaction,
        Duration duration, Duration longestWriteStall, String description) {

    public long reclaimedBytes() {
        return this.bytesBefore - this.bytesAfter;
    }
}
