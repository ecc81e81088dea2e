package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RecordBatch;
import io.keystonelight.persistence.RecordSink;

/**
 * Compaction as the store runs it on a {@link KeyTable}: two short exclusive steps (begin, finish),
 * and between them the snapshot written a chunk at a time while one writer goes on appending and
 * applying writes. The compacted file must replay to exactly what the table holds.
 */
class ChunkedCompactionTest {

    private final ExecutorService threads = Executors.newSingleThreadExecutor();

    @TempDir
    Path folder;

    @AfterEach
    void stop() throws InterruptedException {
        this.threads.shutdownNow();
        assertThat(this.threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Replays into a table, as the store will. */
    private static RecordSink into(KeyTable table) {
        return new RecordSink() {

            @Override
            public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
                table.set(k, ko, kl, v, vo, vl);
            }

            @Override
            public void remove(byte[] k, int ko, int kl) {
                table.delete(k, ko, kl);
            }

            @Override
            public void clear() {
                table.clear();
            }
        };
    }

    private static Map<String, String> contents(KeyTable table) {
        Map<String, String> all = new HashMap<>();
        try (KeyTable.Snapshot snapshot = table.beginSnapshot()) {
            while (snapshot.next(1000, (b, ko, kl, vo, vl) -> all.put(HexFormat.of().formatHex(b, ko, ko + kl),
                    HexFormat.of().formatHex(b, vo, vo + vl)))) {
                // next chunk
            }
        }
        return all;
    }

    private static byte[] key(Random random) {
        int n = random.nextInt(30_000);
        // Some keys only the escaped form can hold.
        return (n % 10 == 0 ? "bin\n" + n + "|\0" : "key" + n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void theCompactedFileHoldsEveryWriteMadeBeforeAndWhileItRan() throws Exception {
        Path file = this.folder.resolve("db.txt");
        KeyTable table = new KeyTable();
        ReentrantLock turn = new ReentrantLock();
        AtomicLong writes = new AtomicLong();
        AtomicLong appendedBytes = new AtomicLong();
        AtomicBoolean compacting = new AtomicBoolean(true);
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, into(table))) {
            Random random = new Random(1);
            RecordBatch batch = new RecordBatch();
            for (int i = 0; i < 100_000; i++) {
                byte[] k = key(random);
                byte[] v = ("v" + i).getBytes();
                batch.put(k, v);
                table.put(k, v);
            }
            aof.append(batch);
            long before = aof.size();
            // The one writer: each write is appended, then applied to the table, in its turn.
            Future<?> writer = this.threads.submit(() -> {
                Random r = new Random(2);
                RecordBatch one = new RecordBatch();
                while (compacting.get() || writes.get() < 20_000) {
                    byte[] k = key(r);
                    one.clear();
                    turn.lock();
                    try {
                        if (r.nextInt(4) == 0) {
                            if (table.containsKey(k)) {
                                one.tombstone(k);
                                aof.append(one);
                                appendedBytes.addAndGet(one.length());
                                table.remove(k);
                            }
                        }
                        else {
                            byte[] v = ("w" + writes.get()).getBytes();
                            one.put(k, v);
                            aof.append(one);
                            appendedBytes.addAndGet(one.length());
                            table.put(k, v);
                        }
                    }
                    finally {
                        turn.unlock();
                    }
                    writes.incrementAndGet();
                }
                return null;
            });

            AppendOnlyFile.Rewrite rewrite;
            KeyTable.Snapshot snapshot;
            turn.lock();
            try {
                rewrite = aof.beginRewrite();
                snapshot = table.beginSnapshot();
            }
            finally {
                turn.unlock();
            }
            RecordBatch chunk = new RecordBatch();
            while (snapshot.next(512, (b, ko, kl, vo, vl) -> chunk.put(b, ko, kl, b, vo, vl))) {
                rewrite.write(chunk);
                chunk.clear();
                // Let writes happen between chunks.
                long target = writes.get() + 20;
                while (writes.get() < target) {
                    Thread.onSpinWait();
                }
            }
            rewrite.write(chunk);
            assertThat(rewrite.catchUp()).isPositive();
            rewrite.syncSnapshot();
            turn.lock();
            try {
                rewrite.finish();
                snapshot.close();
            }
            finally {
                turn.unlock();
            }
            compacting.set(false);
            writer.get(60, TimeUnit.SECONDS);
            // How many writes land while it runs depends on the machine: compare with the file the
            // same writes would have made without the compaction.
            assertThat(aof.size()).isLessThan(before + appendedBytes.get());
        }
        KeyTable replayed = new KeyTable();
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, into(replayed))) {
            assertThat(replayed.size()).isEqualTo(table.size());
        }
        assertThat(contents(replayed)).isEqualTo(contents(table));
    }
}
