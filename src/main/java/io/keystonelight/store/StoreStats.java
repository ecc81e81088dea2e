package io.keystonelight.store;

import java.time.Instant;

/**
 * A point-in-time view of the store for health checks and logs.
 *
 * @param keys live keys
 * @param dataFileBytes bytes of whole records in the data file
 * @param reclaimableBytes bytes a compaction would remove (overwritten and deleted records)
 * @param lastCompaction when compaction last finished, or {@code null} if it has not run
 * @param writeFailure why writes are refused, or {@code null} while they are accepted
 */
public record StoreStats(long keys, long dataFileBytes, long reclaimableBytes, Instant lastCompaction,
        String writeFailure) {

    /** The share of the data file that compaction would reclaim, from 0 to 1. */
    public double reclaimableRatio() {
        return this.dataFileBytes == 0 ? 0 : (double) this.reclaimableBytes / this.dataFileBytes;
    }
}
