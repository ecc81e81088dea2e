package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FileChannelOpener;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.support.FaultyDisk;

class KeyValueStoreTest {

    @TempDir
    Path folder;

    private final List<KeyValueStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() throws IOException {
        for (KeyValueStore store : this.opened) {
            store.close();
        }
    }

    private Path dataFile() {
        return this.folder.resolve("db.txt");
    }

    private KeyValueStore open() {
        return open(FileChannelOpener.DEFAULT);
    }

    private KeyValueStore open(FileChannelOpener opener) {
        KeyValueStore store = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS, opener);
        this.opened.add(store);
        return store;
    }

    private void close(KeyValueStore store) throws IOException {
        store.close();
        this.opened.remove(store);
    }

    private String fileContent() throws IOException {
        return Files.readString(dataFile());
    }

    @Test
    void setGetAndDeleteAreAppendedToTheDataFileInOrder() throws IOException {
        KeyValueStore store = open();
        store.set("name", "Ada");
        store.set("age", "36");
        store.set("name", "Ada Lovelace");
        assertThat(store.get("name")).isEqualTo("Ada Lovelace");
        assertThat(store.delete(List.of("age", "missing"))).isEqualTo(1);
        assertThat(store.get("age")).isNull();
        assertThat(fileContent()).isEqualTo("name|Ada\nage|36\nname|Ada Lovelace\nage\n");
    }

    @Test
    void deletingOnlyMissingKeysWritesNothing() throws IOException {
        KeyValueStore store = open();
        assertThat(store.delete(List.of("nope", "nada"))).isZero();
        assertThat(fileContent()).isEmpty();
    }

    @Test
    void aKeyNamedTwiceInOneDeleteCountsOnce() {
        KeyValueStore store = open();
        store.set("a", "1");
        assertThat(store.delete(List.of("a", "a"))).isEqualTo(1);
    }

    @Test
    void aReopenedStoreHoldsWhatWasWritten() throws IOException {
        KeyValueStore store = open();
        store.set("a", "1");
        store.set("b", "2");
        store.delete(List.of("a"));
        close(store);
        KeyValueStore reopened = open();
        assertThat(reopened.get("a")).isNull();
        assertThat(reopened.get("b")).isEqualTo("2");
        assertThat(reopened.stats().keys()).isEqualTo(1);
    }

    @Test
    void statsCountWhatCompactionWouldReclaim() {
        KeyValueStore store = open();
        store.set("a", "1");
        store.set("a", "2");
        store.set("b", "3");
        store.delete(List.of("b"));
        StoreStats stats = store.stats();
        assertThat(stats.keys()).isEqualTo(1);
        assertThat(stats.dataFileBytes()).isEqualTo("a|1\na|2\nb|3\nb\n".length());
        assertThat(stats.reclaimableBytes()).isEqualTo(stats.dataFileBytes() - "a|2\n".length());
        assertThat(stats.writeFailure()).isNull();
    }

    /**
     * An overwrite reclaims the record of the value it replaces, measured in the form that value
     * was written in (escaped or plain), not the new value's.
     */
    @Test
    void anOverwriteReclaimsTheRecordOfTheValueItReplaces() throws Exception {
        KeyValueStore store = open();
        store.set("a", "line one\nline two");
        long escapedRecord = Files.size(dataFile());
        store.set("a", "22222");
        store.set("a", "1");
        StoreStats stats = store.stats();
        assertThat(stats.dataFileBytes()).isEqualTo(Files.size(dataFile()));
        assertThat(stats.reclaimableBytes())
                .as("the escaped record of %d bytes and \"a|22222\" are reclaimable, \"a|1\" is live",
                        escapedRecord)
                .isEqualTo(escapedRecord + "a|22222\n".length());
    }

    @Test
    void concurrentWritersShareFsyncsAndTheFileEndsInTheMapsState() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        KeyValueStore store = open(disk);
        int threads = 16;
        int writesEach = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < writesEach; i++) {
                    // Threads share keys, so the order of records in the file matters.
                    store.set("k" + (i % 20), "t" + thread + "-" + i);
                    if (i % 7 == 0) {
                        store.delete(List.of("k" + ((i + thread) % 20)));
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        Map<String, String> inMemory = snapshot(store);
        close(store);
        KeyValueStore reopened = open();
        assertThat(snapshot(reopened)).isEqualTo(inMemory);
        int writes = threads * writesEach;
        assertThat(disk.fsyncCount()).as("fsyncs for %d writes", writes).isLessThan(writes);
    }

    @Test
    void aWriteThatCannotBeStoredIsRefusedAndChangesNothing() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        KeyValueStore store = open(disk);
        store.set("a", "1");
        disk.fillUp();
        assertThatThrownBy(() -> store.set("a", "2")).isInstanceOf(WriteRefusedException.class)
                .hasMessageContaining("No space left on device");
        assertThatThrownBy(() -> store.delete(List.of("a"))).isInstanceOf(WriteRefusedException.class);
        assertThat(store.get("a")).isEqualTo("1");
        assertThat(fileContent()).as("the partial record is cut off again").isEqualTo("a|1\n");
        disk.freeSpace();
        store.set("b", "2");
        assertThat(fileContent()).isEqualTo("a|1\nb|2\n");
        assertThat(store.writeFailure()).isNull();
    }

    @Test
    void afterAFailedFsyncWritesAreRefusedUntilRestartButReadsGoOn() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        KeyValueStore store = open(disk);
        store.set("a", "1");
        disk.failFsync();
        assertThatThrownBy(() -> store.set("a", "2")).isInstanceOf(WriteRefusedException.class)
                .hasMessageContaining("could not be fsynced");
        assertThat(store.get("a")).isEqualTo("1");
        assertThat(store.writeFailure()).contains("accepts no more writes until it is restarted");
        assertThatThrownBy(() -> store.set("b", "1")).isInstanceOf(WriteRefusedException.class)
                .hasMessageContaining("accepts no more writes");
        assertThat(store.get("b")).isNull();
        assertThat(store.stats().writeFailure()).isNotNull();
    }

    @Test
    void compactionLeavesOneRecordPerLiveKey() throws IOException {
        KeyValueStore store = open();
        for (int i = 0; i < 100; i++) {
            store.set("k" + (i % 10), "v" + i);
        }
        store.delete(List.of("k0", "k1"));
        CompactionResult result = store.compact();
        assertThat(result.liveKeys()).isEqualTo(8);
        assertThat(result.writesDuringCompaction()).isZero();
        List<String> lines = Files.readAllLines(dataFile());
        assertThat(lines).hasSize(8).allMatch(line -> line.matches("k[2-9]\\|v9[2-9]"));
        assertThat(result.bytesAfter()).isEqualTo(Files.size(dataFile()));
        assertThat(store.stats().reclaimableBytes()).isZero();
        assertThat(store.stats().lastCompaction()).isNotNull();
        store.set("after", "compaction");
        close(store);
        KeyValueStore reopened = open();
        assertThat(reopened.get("k9")).isEqualTo("v99");
        assertThat(reopened.get("after")).isEqualTo("compaction");
        assertThat(reopened.get("k0")).isNull();
        assertThat(this.folder.resolve("db.txt.rewrite")).doesNotExist();
    }

    @Test
    void writesDuringCompactionAreNotLost() throws Exception {
        KeyValueStore store = open();
        for (int i = 0; i < 20_000; i++) {
            store.set("seed" + (i % 5000), "v" + i);
        }
        ConcurrentHashMap<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                for (int i = 0; !stop.get() || i < 200; i++) {
                    String key = "w" + writer + "-" + (i % 300);
                    store.set(key, "v" + i);
                    acknowledged.put(key, "v" + i);
                }
                return null;
            }));
        }
        CompactionResult first = store.compact();
        CompactionResult second = store.compact();
        stop.set(true);
        for (Future<?> future : done) {
            future.get();
        }
        writers.shutdown();
        assertThat(first.liveKeys() + second.liveKeys()).isGreaterThan(0);
        acknowledged.forEach((key, value) -> assertThat(store.get(key)).as(key).isEqualTo(value));
        close(store);
        KeyValueStore reopened = open();
        acknowledged.forEach((key, value) -> assertThat(reopened.get(key)).as(key).isEqualTo(value));
        assertThat(reopened.get("seed4999")).isEqualTo("v19999");
    }

    @Test
    void aFileWithAnInvalidKeyIsRefusedAtStart() throws IOException {
        Files.writeString(dataFile(), "good|1\nbad\u0001key|2\n");
        assertThatThrownBy(this::open).hasMessageContaining("line 2")
                .hasMessageContaining("the key contains a control character");
    }

    @Test
    void writesQueuedWhileTheDiskIsBusyShareOneFsyncAndKeepTheirOrder() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        KeyValueStore store = open(disk);
        store.set("gone", "x");
        int before = disk.fsyncCount();
        List<CompletableFuture<?>> results = new ArrayList<>();
        // As a pipelining client does: submit without waiting for the earlier ones.
        for (int i = 0; i < 1000; i++) {
            results.add(store.submit(new Write.Put(bytes("a"), bytes(Integer.toString(i)))));
        }
        CompletableFuture<Integer> deleted = store.submit(new Write.Delete(List.of(bytes("a"), bytes("gone"))));
        results.add(deleted);
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).join();
        assertThat(deleted.join()).isEqualTo(2);
        assertThat(disk.fsyncCount() - before).isLessThan(1001 / 4);
        assertThat(store.get("a")).isNull();
        assertThat(store.get("gone")).isNull();
        assertThat(fileContent()).startsWith("gone|x\na|0\na|1\na|2\n").endsWith("a|999\na\ngone\n");
    }

    @Test
    void writesRefusedByTheDiskChangeNothing() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        KeyValueStore store = open(disk);
        store.set("a", "1");
        disk.fillUp();
        CompletableFuture<?> first = store.submit(new Write.Put(bytes("a"), bytes("2")));
        CompletableFuture<?> second = store.submit(new Write.Put(bytes("b"), bytes("3")));
        assertThatThrownBy(first::join).hasCauseInstanceOf(WriteRefusedException.class);
        assertThatThrownBy(second::join).hasCauseInstanceOf(WriteRefusedException.class);
        assertThat(store.get("a")).isEqualTo("1");
        assertThat(store.get("b")).isNull();
        assertThat(fileContent()).isEqualTo("a|1\n");
    }

    @Test
    void incrementAppendAndConditionalPutsSeeTheWritesQueuedBeforeThem() throws IOException {
        KeyValueStore store = open(new FaultyDisk());
        CompletableFuture<Long> one = store.submit(new Write.Increment(bytes("n"), 1));
        CompletableFuture<Long> eleven = store.submit(new Write.Increment(bytes("n"), 10));
        CompletableFuture<Write.PutResult> notSet = store.submit(
                new Write.Put(bytes("n"), bytes("x"), Write.Condition.IF_ABSENT, true));
        CompletableFuture<Long> length = store.submit(new Write.Append(bytes("n"), bytes("!")));
        CompletableFuture<Long> notANumber = store.submit(new Write.Increment(bytes("n"), 1));
        assertThat(one.join()).isEqualTo(1);
        assertThat(eleven.join()).isEqualTo(11);
        assertThat(notSet.join().applied()).isFalse();
        assertThat(new String(notSet.join().previous(), StandardCharsets.UTF_8)).isEqualTo("11");
        assertThat(length.join()).isEqualTo(3);
        assertThatThrownBy(notANumber::join).hasCauseInstanceOf(WriteRejectedException.class)
                .hasMessageContaining("value is not an integer or out of range");
        assertThat(store.get("n")).isEqualTo("11!");
        assertThat(fileContent()).isEqualTo("n|1\nn|11\nn|11!\n");
    }

    @Test
    void clearingIsOneRecordAndSurvivesARestart() throws IOException {
        KeyValueStore store = open(new FaultyDisk());
        store.set("a", "1");
        store.set("b", "2");
        CompletableFuture<Long> cleared = store.submit(new Write.Clear());
        store.set("c", "3");
        assertThat(cleared.join()).isEqualTo(2);
        assertThat(fileContent()).isEqualTo("a|1\nb|2\n|flush\nc|3\n");
        store.close();
        KeyValueStore reopened = open(new FaultyDisk());
        assertThat(reopened.get("a")).isNull();
        assertThat(reopened.get("b")).isNull();
        assertThat(reopened.get("c")).isEqualTo("3");
        assertThat(reopened.stats().keys()).isEqualTo(1);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> snapshot(KeyValueStore store) {
        Map<String, String> all = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            String value = store.get("k" + i);
            if (value != null) {
                all.put("k" + i, value);
            }
        }
        return all.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
