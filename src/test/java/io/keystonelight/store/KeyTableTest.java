package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyTableTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        this.threads.shutdownNow();
        assertThat(this.threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    private static Map<String, String> contents(KeyTable table) {
        Map<String, String> seen = new HashMap<>();
        KeyTable.Snapshot snapshot = table.beginSnapshot();
        try {
            while (snapshot.next(100, (buf, ko, kl, vo, vl) -> {
                String key = new String(buf, ko, kl, StandardCharsets.ISO_8859_1);
                String value = new String(buf, vo, vl, StandardCharsets.ISO_8859_1);
                assertThat(seen.put(key, value)).as("key %s twice in one snapshot", key).isNull();
            })) {
                // next chunk
            }
        }
        finally {
            snapshot.close();
        }
        return seen;
    }

    @Test
    void matchesAHashMapUnderRandomOperationsThroughGrowthShrinkAndReclaiming() {
        Random random = new Random(42);
        KeyTable table = new KeyTable();
        Map<String, String> reference = new HashMap<>();
        int maxCapacitySeen = 0;
        for (int round = 0; round < 4; round++) {
            // Grow to a key space of 40k, then shrink by removing most of it, every round.
            int keySpace = round % 2 == 0 ? 40_000 : 2_000;
            for (int op = 0; op < 80_000; op++) {
                String key = "k" + random.nextInt(keySpace) + (random.nextInt(50) == 0 ? "\n\0|x" : "");
                int kind = random.nextInt(10);
                if (round % 2 == 1 && kind < 6) {
                    String expected = reference.remove(key);
                    check(op, "remove " + key, expected, text(table.remove(bytes(key))));
                }
                else if (kind < 7) {
                    String value = "v" + random.nextInt() + "x".repeat(random.nextInt(random.nextInt(100) == 0 ? 5000 : 40));
                    String expected = reference.put(key, value);
                    check(op, "put " + key, expected, text(table.put(bytes(key), bytes(value))));
                }
                else if (kind < 8) {
                    String expected = reference.remove(key);
                    check(op, "delete " + key, expected == null ? -1 : expected.length(),
                            table.delete(bytes(key), 0, key.length()));
                }
                else {
                    check(op, "get " + key, reference.get(key), text(table.get(bytes(key))));
                    check(op, "containsKey " + key, reference.containsKey(key), table.containsKey(bytes(key)));
                }
                check(op, "size", reference.size(), table.size());
            }
            maxCapacitySeen = Math.max(maxCapacitySeen, reference.size());
            for (Map.Entry<String, String> entry : reference.entrySet()) {
                assertThat(text(table.get(bytes(entry.getKey())))).isEqualTo(entry.getValue());
            }
            assertThat(contents(table)).isEqualTo(reference);
            // Dead records were reclaimed: the arena stays within a small multiple of what is live.
            long live = reference.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length() + 4).sum();
            assertThat(table.memoryBytes()).as("memory after round %d", round)
                    .isLessThan(3 * live + 8L * 4 * 65536 + 4 * KeyTable.MAX_SEGMENT);
        }
        table.clear();
        assertThat(table.size()).isZero();
        assertThat(table.get(bytes("k1"))).isNull();
        assertThat(contents(table)).isEmpty();
        table.put(bytes("after"), bytes("clear"));
        assertThat(text(table.get(bytes("after")))).isEqualTo("clear");
    }

    /** A plain comparison: an assertion object per operation would cost more than the table. */
    private static void check(int op, String what, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError("operation " + op + ", " + what + ": expected " + expected + " but was " + actual);
        }
    }

    @Test
    void keysAndValuesAreAnyBytesAndTheCallersArraysAreCopied() {
        KeyTable table = new KeyTable();
        byte[] key = { 0, (byte) 0xFF, '|', '\n' };
        byte[] value = new byte[3 * KeyTable.MAX_SEGMENT];
        value[value.length - 1] = 7;
        table.put(key, value);
        table.put(new byte[0], new byte[0]);
        key[0] = 1;
        value[0] = 9;
        assertThat(table.get(new byte[] { 0, (byte) 0xFF, '|', '\n' })).hasSize(3 * KeyTable.MAX_SEGMENT)
                .startsWith(0).endsWith(7);
        assertThat(table.get(key)).isNull();
        assertThat(table.get(new byte[0])).isEmpty();
        byte[] buffer = bytes("xxEMPTYyy");
        assertThat(table.get(buffer, 2, 0)).isEmpty();
        assertThat(table.size()).isEqualTo(2);
        StringBuilder read = new StringBuilder();
        table.put(bytes("name"), bytes("Ada"));
        assertThat(table.readValue(bytes("xname"), 1, 4, (buf, off, len) -> read.append(text(Arrays.copyOfRange(buf, off, off + len))))).isTrue();
        assertThat(read).hasToString("Ada");
        assertThat(table.readValue(bytes("nobody"), 0, 6, (buf, off, len) -> read.append("called"))).isFalse();
        assertThat(read).hasToString("Ada");
    }

    @Test
    void readersOnOtherThreadsAlwaysSeeAWholeValueWhileOneThreadWrites() throws Exception {
        KeyTable table = new KeyTable();
        int stable = 20_000;
        for (int i = 0; i < stable; i++) {
            table.put(bytes("stable" + i), bytes("value-of-stable" + i));
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        List<Future<?>> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int seed = r;
            readers.add(this.threads.submit(() -> {
                Random random = new Random(seed);
                while (writing.get() && wrong.get() == null) {
                    int i = random.nextInt(stable);
                    String value = text(table.get(bytes("stable" + i)));
                    if (!("value-of-stable" + i).equals(value)) {
                        wrong.set("stable" + i + " read as " + value);
                    }
                    int c = random.nextInt(5000);
                    String churn = text(table.get(bytes("churn" + c)));
                    if (churn != null && !churn.equals(churnValueLike(c, churn))) {
                        wrong.set("churn" + c + " read as '" + churn + "', which no put wrote: expected '"
                                + churnValueLike(c, churn) + "'");
                    }
                    reads.incrementAndGet();
                }
            }));
        }
        Random random = new Random(7);
        // Growth, shrink, backward shifts and reclaiming all happen while the readers read.
        for (int op = 0; op < 300_000 && wrong.get() == null; op++) {
            int c = random.nextInt(op < 150_000 ? 100_000 : 5000);
            if (random.nextInt(3) == 0) {
                table.remove(bytes("churn" + c));
            }
            else {
                table.put(bytes("churn" + c), bytes(churnValue(c, op, random.nextInt(30))));
            }
        }
        writing.set(false);
        for (Future<?> reader : readers) {
            reader.get(30, TimeUnit.SECONDS);
        }
        assertThat(wrong.get()).isNull();
        assertThat(reads.get()).isPositive();
    }

    /**
     * A value that says how it ends: a tail of {@code length} letters chosen by {@code op}, so
     * that a read torn anywhere, even one ending early or mixing two puts, is told from a whole one.
     */
    private static String churnValue(int c, int op, int length) {
        return "churn" + c + "@" + op + "/" + length + ":" + String.valueOf((char) ('a' + op % 26)).repeat(length);
    }

    /** The value that the put named in {@code read}'s head wrote, or a marker where the head is torn. */
    private static String churnValueLike(int c, String read) {
        Matcher head = Pattern.compile("churn" + c + "@(\\d+)/(\\d+):").matcher(read);
        if (!head.lookingAt()) {
            return "a head churn" + c + "@<op>/<length>:";
        }
        return churnValue(c, Integer.parseInt(head.group(1)), Integer.parseInt(head.group(2)));
    }

    @Test
    void aChunkedSnapshotNeverMissesAnEntryThatWasNotWrittenWhileItRan() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            KeyTable table = new KeyTable();
            Map<String, String> atStart = new HashMap<>();
            for (int i = 0; i < 60_000; i++) {
                String key = "key" + i;
                String value = "value" + i + "-".repeat(i % 17);
                table.put(bytes(key), bytes(value));
                atStart.put(key, value);
            }
            // Dead records, so that reclaiming would run (and move live records) if it were allowed
            // to: each value is written twice more, the first time one byte longer, so that both
            // writes append (a value of the same length would be written in place).
            for (int i = 0; i < 60_000; i += 2) {
                table.put(bytes("key" + i), bytes(atStart.get("key" + i) + "+"));
                table.put(bytes("key" + i), bytes(atStart.get("key" + i)));
            }
            assertThat(table.deadBytes()).as("dead bytes before the snapshot").isGreaterThan(KeyTable.MIN_SEGMENT);
            KeyTable.Snapshot snapshot = table.beginSnapshot();
            Set<String> written = ConcurrentHashMap.newKeySet();
            AtomicBoolean walking = new AtomicBoolean(true);
            AtomicLong progress = new AtomicLong();
            int seed = attempt;
            Future<Integer> writer = this.threads.submit(() -> {
                Random random = new Random(seed);
                int ops = 0;
                // Overwrites, deletes (backward shifts), new keys (index growth), until the walk ends.
                while (walking.get() || ops < 100_000) {
                    int kind = random.nextInt(4);
                    // Keys whose number divides by 3 are left alone: they lie all over the arena.
                    int n = random.nextInt(20_000) * 3 + 1 + random.nextInt(2);
                    String key = kind == 3 ? "new" + ops : "key" + n;
                    if (!key.startsWith("new")) {
                        written.add(key);
                    }
                    if (kind == 0) {
                        table.remove(bytes(key));
                    }
                    else {
                        table.put(bytes(key), bytes("rewritten" + ops));
                    }
                    ops++;
                    progress.set(ops);
                }
                return ops;
            });
            Map<String, String> walked = new HashMap<>();
            while (snapshot.next(256, (buf, ko, kl, vo, vl) -> walked.put(
                    new String(buf, ko, kl, StandardCharsets.ISO_8859_1),
                    new String(buf, vo, vl, StandardCharsets.ISO_8859_1)))) {
                // Between two chunks, as a compaction's writes to disk, let writes go on.
                long target = progress.get() + 200;
                while (progress.get() < target && !writer.isDone()) {
                    Thread.onSpinWait();
                }
            }
            walking.set(false);
            int ops = writer.get(60, TimeUnit.SECONDS);
            snapshot.close();
            assertThat(ops).isGreaterThanOrEqualTo(100_000);
            List<String> missed = new ArrayList<>();
            for (Map.Entry<String, String> entry : atStart.entrySet()) {
                if (!written.contains(entry.getKey()) && !entry.getValue().equals(walked.get(entry.getKey()))) {
                    missed.add(entry.getKey() + "=" + walked.get(entry.getKey()));
                }
            }
            assertThat(missed).as("entries not written while the snapshot ran, yet missed or wrong").isEmpty();
            assertThat(atStart.size() - written.size()).as("keys left alone").isGreaterThanOrEqualTo(20_000);
            // Once closed, reclaiming catches up with the dead records the writes left.
            for (int i = 0; i < 50_000; i++) {
                table.put(bytes("tail" + (i % 10)), bytes("x"));
            }
            assertThat(table.deadBytes()).isLessThan(table.memoryBytes() / 2);
        }
    }

    @Test
    void aFullScanReturnsEveryKeyPresentThroughoutEvenWhileWritesGoOn() throws Exception {
        KeyTable table = new KeyTable();
        Set<String> present = new HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            table.put(bytes("keep" + i), bytes("v"));
            present.add("keep" + i);
        }
        AtomicBoolean scanning = new AtomicBoolean(true);
        Future<?> writer = this.threads.submit(() -> {
            Random random = new Random(3);
            int op = 0;
            while (scanning.get()) {
                String key = "churn" + random.nextInt(50_000);
                if (random.nextBoolean()) {
                    table.put(bytes(key), bytes("value" + op));
                }
                else {
                    table.remove(bytes(key));
                }
                // Overwrites of kept keys move them to the arena's end.
                if (op % 3 == 0) {
                    table.put(bytes("keep" + random.nextInt(30_000)), bytes("v" + op));
                }
                op++;
            }
        });
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int calls = 0;
        do {
            cursor = table.scan(cursor, 10, key -> seen.add(text(key)));
            calls++;
        }
        while (cursor != 0);
        scanning.set(false);
        writer.get(30, TimeUnit.SECONDS);
        assertThat(calls).isGreaterThan(1000);
        Set<String> missing = new HashSet<>(present);
        missing.removeAll(seen);
        assertThat(missing).isEmpty();
        assertThat(table.scan(0, 100_000, key -> { })).isZero();
        List<String> each = new ArrayList<>();
        table.forEachKey(key -> each.add(text(key)));
        assertThat(each).doesNotHaveDuplicates().hasSize(table.size()).containsAll(present);
    }

    private static String sixteen(int key, int round) {
        return String.format("%08d:%07d", key, round);
    }

    @Test
    void anOverwriteOfTheSameLengthWritesInPlaceAndLeavesNoDeadBytes() {
        KeyTable table = new KeyTable();
        for (int i = 0; i < 1000; i++) {
            table.put(bytes("key" + i), bytes(sixteen(i, 0)));
        }
        long memory = table.memoryBytes();
        assertThat(table.deadBytes()).isZero();
        StringBuilder previous = new StringBuilder();
        // 20 rounds of 1000 overwrites: appended, they would fill several segments.
        for (int round = 1; round <= 20; round++) {
            for (int i = 0; i < 1000; i++) {
                byte[] k = bytes("key" + i);
                byte[] v = bytes(sixteen(i, round));
                previous.setLength(0);
                int length = table.set(k, 0, k.length, v, 0, v.length,
                        (buf, off, len) -> previous.append(new String(buf, off, len, StandardCharsets.ISO_8859_1)));
                check(i, "previous length of key" + i, 16, length);
                check(i, "previous value of key" + i, sixteen(i, round - 1), previous.toString());
            }
            check(round, "dead bytes after round " + round, 0L, table.deadBytes());
            check(round, "memory after round " + round, memory, table.memoryBytes());
        }
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            expected.put("key" + i, sixteen(i, 20));
            assertThat(text(table.get(bytes("key" + i)))).isEqualTo(sixteen(i, 20));
        }
        assertThat(contents(table)).isEqualTo(expected);
        // A value of another length still takes a new record and leaves the old one dead.
        table.put(bytes("key0"), bytes("longer than sixteen"));
        assertThat(table.deadBytes()).as("dead bytes after an overwrite by a longer value").isPositive();
        assertThat(text(table.get(bytes("key0")))).isEqualTo("longer than sixteen");
    }

    @Test
    void anOpenSnapshotNeverSeesAValueChangeAndTheOverwriteAppendsInstead() {
        KeyTable table = new KeyTable();
        for (int i = 0; i < 1000; i++) {
            table.put(bytes("key" + i), bytes(sixteen(i, 0)));
        }
        KeyTable.Snapshot snapshot = table.beginSnapshot();
        for (int i = 0; i < 1000; i += 2) {
            table.put(bytes("key" + i), bytes(sixteen(i, 1)));
        }
        Map<String, String> walked = new HashMap<>();
        while (snapshot.next(100, (buf, ko, kl, vo, vl) -> walked.put(new String(buf, ko, kl, StandardCharsets.ISO_8859_1),
                new String(buf, vo, vl, StandardCharsets.ISO_8859_1)))) {
            // next chunk
        }
        snapshot.close();
        for (int i = 0; i < 1000; i++) {
            String seen = walked.get("key" + i);
            // A key written since the snapshot began is skipped or has its old value, never the new one.
            if (i % 2 == 0) {
                assertThat(seen).as("key%d in the snapshot", i).isIn(null, sixteen(i, 0));
            }
            else {
                assertThat(seen).as("key%d in the snapshot", i).isEqualTo(sixteen(i, 0));
            }
            assertThat(text(table.get(bytes("key" + i)))).isEqualTo(sixteen(i, i % 2 == 0 ? 1 : 0));
        }
        // The overwrites appended: their old records are dead.
        assertThat(table.deadBytes()).as("dead bytes after 500 overwrites while a snapshot is open").isPositive();
        // Once it is closed, overwrites go in place again.
        long dead = table.deadBytes();
        for (int i = 0; i < 1000; i++) {
            table.put(bytes("key" + i), bytes(sixteen(i, 2)));
        }
        assertThat(table.deadBytes()).as("dead bytes after overwrites with no snapshot open").isEqualTo(dead);
    }

    @Test
    void readersNeverSeeHalfOfAValueOverwrittenInPlace() throws Exception {
        KeyTable table = new KeyTable();
        int keys = 64;
        int length = 4096;
        for (int i = 0; i < keys; i++) {
            table.put(bytes("key" + i), new byte[length]);
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        List<Future<?>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            boolean inPlace = r == 0;
            readers.add(this.threads.submit(() -> {
                Random random = new Random(inPlace ? 1 : 2);
                byte[][] seen = new byte[1][];
                while (writing.get() && wrong.get() == null) {
                    byte[] k = bytes("key" + random.nextInt(keys));
                    if (inPlace) {
                        table.readValue(k, 0, k.length, (buf, off, len) -> seen[0] = Arrays.copyOfRange(buf, off, off + len));
                    }
                    else {
                        seen[0] = table.get(k);
                    }
                    // Every write fills the value with one byte: two different bytes are a torn read.
                    byte[] v = seen[0];
                    for (int i = 1; i < v.length; i++) {
                        if (v[i] != v[0]) {
                            wrong.set((inPlace ? "readValue" : "get") + " of " + text(k) + " saw byte " + v[0]
                                    + " at 0 and " + v[i] + " at " + i + ": expected one byte throughout");
                            break;
                        }
                    }
                    reads.incrementAndGet();
                }
            }));
        }
        byte[] value = new byte[length];
        for (int op = 0; op < 100_000 && wrong.get() == null; op++) {
            Arrays.fill(value, (byte) op);
            table.put(bytes("key" + (op % keys)), value);
        }
        writing.set(false);
        for (Future<?> reader : readers) {
            reader.get(30, TimeUnit.SECONDS);
        }
        assertThat(wrong.get()).isNull();
        assertThat(reads.get()).isPositive();
        assertThat(table.deadBytes()).as("dead bytes: every write was in place").isZero();
    }

    @Test
    void anEntryLargerThanTheNextSegmentGetsASegmentItFitsIn() {
        KeyTable table = new KeyTable();
        table.put("small".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[10]);
        byte[] large = new byte[1024 * 1024];
        large[large.length - 1] = 7;
        table.put("large".getBytes(java.nio.charset.StandardCharsets.UTF_8), large);
        org.assertj.core.api.Assertions.assertThat(table.get("large".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo(large);
    }
}
