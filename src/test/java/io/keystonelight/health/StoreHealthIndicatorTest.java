package io.keystonelight.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.WriteRefusedException;
import io.keystonelight.support.FaultyDisk;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class StoreHealthIndicatorTest {

    @TempDir
    Path folder;

    private KeyValueStore store;

    @AfterEach
    void closeStore() throws IOException {
        if (this.store != null) {
            this.store.close();
        }
    }

    @Test
    void upWithTheFiguresAnOperatorWatches() throws IOException {
        this.store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS);
        this.store.set("a", "1");
        this.store.set("a", "2");
        this.store.set("b", "3");
        this.store.delete(List.of("b"));
        Health health = new StoreHealthIndicator(this.store).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("keys", 1L)
                .containsEntry("dataFileBytes", 14L)
                .containsEntry("reclaimableBytes", 10L)
                .containsEntry("reclaimableRatio", 0.714)
                .containsEntry("lastCompaction", "never")
                .containsEntry("dataFile", this.folder.resolve("db.txt").toAbsolutePath().toString())
                .doesNotContainKey("reason");
        this.store.compact();
        Health compacted = new StoreHealthIndicator(this.store).health();
        assertThat(compacted.getDetails()).containsEntry("dataFileBytes", 4L).containsEntry("reclaimableRatio", 0.0);
        assertThat((String) compacted.getDetails().get("lastCompaction")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }

    @Test
    void downWithTheReasonOnceAFailedFsyncStopsWrites() {
        FaultyDisk disk = new FaultyDisk();
        this.store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS, disk);
        disk.failFsync();
        assertThatThrownBy(() -> this.store.set("a", "1")).isInstanceOf(WriteRefusedException.class);
        Health health = new StoreHealthIndicator(this.store).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("reason")).contains("could not be fsynced");
    }

    @Test
    void downWhenTheDataFileWasReplacedUnderTheServer() throws IOException {
        Path dataFile = this.folder.resolve("db.txt");
        this.store = new KeyValueStore(dataFile, FsyncPolicy.ALWAYS);
        Files.delete(dataFile);
        Health deleted = new StoreHealthIndicator(this.store).health();
        assertThat(deleted.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) deleted.getDetails().get("reason")).contains("no longer exists")
                .contains("would be lost on restart");
        Files.createDirectory(dataFile);
        Health replaced = new StoreHealthIndicator(this.store).health();
        assertThat((String) replaced.getDetails().get("reason")).contains("is no longer a regular file");
    }

    @Test
    void downWhenTheDataFilesFolderIsGone() {
        Path folder = this.folder.resolve("data");
        assertThat(StoreHealthIndicator.whyNotWritable(folder.resolve("db.txt")))
                .contains("the data file's folder " + folder + " no longer exists");
    }
}
