package io.keystonelight.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.store.StoreStats;

import org.springframework.util.unit.DataSize;

class AutoCompactionPolicyTest {

    private static final long MB = 1024 * 1024;

    private final AutoCompactionPolicy policy = new AutoCompactionPolicy(true, 64 * MB, 0.5);

    @Test
    void dueWhenTheFileIsLargeEnoughAndStaleEnough() {
        assertThat(this.policy.isDue(stats(64 * MB, 32 * MB))).isTrue();
        assertThat(this.policy.isDue(stats(200 * MB, 190 * MB))).isTrue();
    }

    @Test
    void notDueForASmallFileHoweverStale() {
        assertThat(this.policy.isDue(stats(64 * MB - 1, 64 * MB - 1))).isFalse();
        assertThat(this.policy.isDue(stats(0, 0))).isFalse();
    }

    @Test
    void notDueForALargeFileThatIsMostlyLive() {
        assertThat(this.policy.isDue(stats(1024 * MB, 511 * MB))).isFalse();
        assertThat(this.policy.isDue(stats(1024 * MB, 0))).isFalse();
    }

    @Test
    void notDueWhenTurnedOff() {
        AutoCompactionPolicy off = new AutoCompactionPolicy(false, 64 * MB, 0.5);
        assertThat(off.isDue(stats(1024 * MB, 1000 * MB))).isFalse();
    }

    @Test
    void notDueWhileTheStoreRefusesWrites() {
        StoreStats failed = new StoreStats(10, 100 * MB, 90 * MB, null, "fsync failed");
        assertThat(this.policy.isDue(failed)).isFalse();
    }

    @Test
    void takesItsThresholdsFromTheSettings() {
        AutoCompactionPolicy fromSettings = new AutoCompactionPolicy(
                new KeystoneLightProperties.Compaction(true, DataSize.ofKilobytes(1), 0.9));
        assertThat(fromSettings.isDue(stats(1024, 922))).isTrue();
        assertThat(fromSettings.isDue(stats(1024, 900))).isFalse();
        assertThat(fromSettings.isDue(stats(1023, 1000))).isFalse();
    }

    @Test
    void explainsWhyInTheOperatorsWords() {
        assertThat(this.policy.reason(stats(100 * MB, 75 * MB))).isEqualTo(
                "the data file is 100.0 MB and 75% of it is reclaimable (auto-compaction from 64.0 MB and 50%)");
    }

    private static StoreStats stats(long fileBytes, long reclaimableBytes) {
        return new StoreStats(1000, fileBytes, reclaimableBytes, Instant.EPOCH, null);
    }
}
