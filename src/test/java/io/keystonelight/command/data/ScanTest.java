package io.keystonelight.command.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Write;

/**
 * SCAN over strings and other types: every key that exists throughout an iteration is returned,
 * none past its deadline, each call hands over about COUNT keys whatever the table's size, and
 * writes between the calls change none of that.
 */
class ScanTest {

    @TempDir
    Path folder;

    private KeyValueStore store;

    @AfterEach
    void close() throws IOException {
        this.store.close();
    }

    private void run(String... request) {
        List<byte[]> args = Arrays.stream(request).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
        this.store.submit(new Write.Exec(DataCommands.lookup(request[0]), args, System.currentTimeMillis(), 1)).join();
    }

    @Test
    void everyKeyThatExistsThroughoutIsReturnedInStepsOfAboutCountWhileWritesGoOn() {
        this.store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.NO);
        Set<String> lasting = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            this.store.set("s" + i, "v");
            lasting.add("s" + i);
        }
        for (int i = 0; i < 300; i++) {
            run("hset", "h" + i, "f", "v");
            lasting.add("h" + i);
        }
        run("set", "gone", "v", "pxat", "1");
        run("hset", "gonehash", "f", "v");
        run("pexpireat", "gonehash", "1");
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int calls = 0;
        int churn = 0;
        do {
            List<String> page = new ArrayList<>();
            cursor = this.store.scan(cursor, 10, key -> page.add(new String(key, StandardCharsets.UTF_8)));
            assertThat(page.size()).as("keys handed over by one call").isLessThanOrEqualTo(12);
            seen.addAll(page);
            // Writes between the calls: new keys, overwrites and deletes of keys that are not lasting.
            this.store.set("churn" + churn, "x");
            this.store.delete(List.of("churn" + (churn - 3)));
            this.store.set("s" + (churn % 20_000), "overwritten");
            churn++;
            calls++;
        }
        while (cursor != 0 && calls < 100_000);
        assertThat(cursor).as("the iteration ends").isZero();
        assertThat(seen).containsAll(lasting).doesNotContain("gone", "gonehash");
        assertThat(calls).as("calls of about 10 keys each").isGreaterThan(2_000);
    }
}
