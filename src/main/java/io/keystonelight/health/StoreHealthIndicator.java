package io.keystonelight.health;

import java.nio.file.Files;
import java.nio.file.Path;

import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.StoreStats;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code store} component of {@code /actuator/health}: UP while writes can be made durable,
 * DOWN with the reason when they cannot, with the figures an operator watches either way.
 */
// Named, not left to the default: imported rather than scanned, its default name would be the
// class's full name, and the health component's name comes from the bean's.
@Component("storeHealthIndicator")
public class StoreHealthIndicator implements HealthIndicator {

    private final KeyValueStore store;

    public StoreHealthIndicator(KeyValueStore store) {
        this.store = store;
    }

    @Override
    public Health health() {
        StoreStats stats = this.store.stats();
        Path dataFile = this.store.dataFilePath().toAbsolutePath();
        Health.Builder health = new Health.Builder()
                .withDetail("keys", stats.keys())
                .withDetail("dataFile", dataFile.toString())
                .withDetail("dataFileBytes", stats.dataFileBytes())
                .withDetail("reclaimableBytes", stats.reclaimableBytes())
                .withDetail("reclaimableRatio", Math.round(stats.reclaimableRatio() * 1000) / 1000.0)
                .withDetail("lastCompaction",
                        stats.lastCompaction() == null ? "never" : stats.lastCompaction().toString());
        String problem = stats.writeFailure() != null ? stats.writeFailure() : whyNotWritable(dataFile);
        return problem == null ? health.up().build() : health.down().withDetail("reason", problem).build();
    }

    /**
     * Why the data file on disk cannot take the store's writes, or {@code null} if it can. The
     * server keeps its file open, so a file deleted or moved away under it would still accept
     * appends, but into a file that no restart will read: the writes would be lost.
     */
    static String whyNotWritable(Path dataFile) {
        Path folder = dataFile.getParent();
        if (!Files.isDirectory(folder)) {
            return "the data file's folder " + folder + " no longer exists; writes are going to a deleted file "
                    + "and would be lost on restart";
        }
        if (!Files.exists(dataFile)) {
            return "the data file " + dataFile + " no longer exists; writes are going to a deleted file and would "
                    + "be lost on restart";
        }
        if (!Files.isRegularFile(dataFile)) {
            return "the data file " + dataFile + " is no longer a regular file; writes are going to a file that "
                    + "was replaced and would be lost on restart";
        }
        if (!Files.isWritable(dataFile)) {
            return "the data file " + dataFile + " is not writable";
        }
        if (!Files.isWritable(folder)) {
            return "the data file's folder " + folder + " is not writable, so compaction cannot replace the file";
        }
        return null;
    }
}
