package io.keystonelight.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.keystonelight.persistence.AppendOnlyFile;
import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.persistence.RecordSink;

/**
 * Measures what a key costs: run it in a JVM of its own (not a test; no figures are asserted).
 * {@code java -cp target/classes:target/test-classes:<deps> io.keystonelight.store.KeyTableFootprint [keys] [folder]}
 * loads {@code key<n>} with 16-byte values into a {@link KeyTable}, first by puts, then by
 * replaying a data file, and prints heap after a full GC per key and the replay's time.
 */
public final class KeyTableFootprint {

    private KeyTableFootprint() {
    }

    public static void main(String[] args) throws IOException {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path folder = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("footprint");
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long base = heapAfterGc(memory);
        KeyTable table = new KeyTable();
        long putsStarted = cpu();
        byte[] value = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < keys; i++) {
            table.put(("key" + i).getBytes(StandardCharsets.US_ASCII), value);
        }
        long putsTook = cpu() - putsStarted;
        long loaded = heapAfterGc(memory);
        System.out.printf("puts:   %d keys in %d ms of CPU, heap after GC %.1f bytes/key (table's own count %.1f bytes/key)%n", keys, putsTook / 1_000_000,
                (double) (loaded - base) / keys, (double) table.memoryBytes() / keys);
        table = null;
        base = heapAfterGc(memory);

        Path file = folder.resolve("footprint-db.txt");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (int i = 0; i < keys; i++) {
                out.write(("key" + i + "|0123456789abcdef\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        KeyTable replayed = new KeyTable();
        long started = cpu();
        RecordSink sink = new RecordSink() {

            @Override
            public void expectBytes(long fileBytes) {
                // About 27 bytes a record of this shape; a guess too high only costs index slots.
                replayed.ensureCapacity(fileBytes / 24);
            }

            @Override
            public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
                replayed.set(k, ko, kl, v, vo, vl);
            }

            @Override
            public void remove(byte[] k, int ko, int kl) {
                replayed.delete(k, ko, kl);
            }
        };
        try (AppendOnlyFile aof = AppendOnlyFile.open(file, FsyncPolicy.NO, sink)) {
            long took = cpu() - started;
            long after = heapAfterGc(memory);
            System.out.printf("replay: %d records (%d bytes) in %d ms of CPU, heap after GC %.1f bytes/key%n", aof.records(),
                    aof.size(), took / 1_000_000, (double) (after - base) / replayed.size());
        }
        Files.delete(file);
        Files.deleteIfExists(folder.resolve("footprint-db.txt.lock"));
    }

    /** CPU time of this thread: the figures mean something on a busy machine too. */
    private static long cpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long heapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
