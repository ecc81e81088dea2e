package io.keystonelight.command.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.StoreStats;
import io.keystonelight.store.Write;

/**
 * A replay rebuilds exactly what the writes left: random writes through a real store (strings of
 * both record forms written over each other, deletes, hashes and deadlines a set replaces, flushes),
 * then the data file replayed into a new store and every key compared with the store that wrote
 * it, with the figures compaction works from. The store that wrote counts the live bytes on the
 * write path, the replay on its own: two independent reckonings of one file.
 */
class RandomReplayTest {

    /** A far deadline, fixed so that the comparison does not depend on the clock. */
    private static final long DEADLINE = 4_102_444_800_000L;

    /** Bytes that stand for themselves in the plain form or make a record escaped; 0xC3 0xA9 is UTF-8's é. */
    private static final byte[] SPECIAL = { 'a', 'b', '|', '%', '\n', '\r', 0, ' ', (byte) 0xC3, (byte) 0xA9 };

    @TempDir
    Path folder;

    private KeyValueStore open() {
        return new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.NO);
    }

    @Test
    void aReplayRebuildsEveryKeyAndTheReclaimableBytesOfRandomWrites() throws IOException {
        for (long seed = 1; seed <= 6; seed++) {
            replayMatchesTheWriter(new Random(seed), seed);
        }
    }

    private void replayMatchesTheWriter(Random random, long seed) throws IOException {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            keys.add(randomBytes(random, true));
        }
        Map<String, String> written;
        StoreStats writerStats;
        Map<String, Integer> counts = new HashMap<>();
        try (KeyValueStore writer = open()) {
            writeAtRandom(writer, keys, random, counts);
            written = everyKey(writer, keys);
            writerStats = writer.stats();
        }
        try (KeyValueStore replayed = open()) {
            assertThat(everyKey(replayed, keys)).as("seed %d: each key after the replay, against the store that "
                    + "wrote it (%s)", seed, counts).isEqualTo(written);
            StoreStats replayedStats = replayed.stats();
            assertThat(replayedStats.keys()).as("seed %d: keys", seed).isEqualTo(writerStats.keys());
            assertThat(replayedStats.dataFileBytes()).as("seed %d: data file bytes", seed)
                    .isEqualTo(writerStats.dataFileBytes());
            assertThat(replayedStats.reclaimableBytes()).as("seed %d: bytes a compaction would reclaim, as the "
                    + "replay counts them against the writer's count", seed).isEqualTo(writerStats.reclaimableBytes());
        }
        // The writes covered what the test is about, not just a few sets.
        assertThat(written.values()).anyMatch(v -> v.startsWith("string")).anyMatch(v -> v.startsWith("hash"))
                .anyMatch(v -> v.endsWith("deadline -1")).anyMatch(v -> !v.endsWith("deadline -1"));
        Files.delete(this.folder.resolve("db.txt"));
    }

    private static void writeAtRandom(KeyValueStore writer, List<byte[]> keys, Random random,
            Map<String, Integer> counts) {
        for (int step = 0; step < 3000; step++) {
            byte[] key = keys.get(random.nextInt(keys.size()));
            int roll = random.nextInt(1000);
            String kind;
            if (roll < 5) {
                // A value too large to be held back right after one that is: the order must hold.
                kind = "set, then a large set";
                writer.submit(new Write.Put(key, randomBytes(random, false))).join();
                byte[] large = new byte[70_000];
                random.nextBytes(large);
                writer.submit(new Write.Put(key, large)).join();
            }
            else if (roll < 550) {
                kind = "set";
                writer.submit(new Write.Put(key, randomBytes(random, false))).join();
            }
            else if (roll < 700) {
                kind = "del";
                writer.submit(new Write.Delete(List.of(key))).join();
            }
            else if (roll < 850) {
                kind = "hset";
                run(writer, "hset", key, randomBytes(random, false), randomBytes(random, false));
            }
            else if (roll < 998) {
                kind = "pexpireat";
                run(writer, "pexpireat", key, Long.toString(DEADLINE + step).getBytes(StandardCharsets.US_ASCII));
            }
            else {
                kind = "flush";
                writer.submit(new Write.Clear()).join();
            }
            counts.merge(kind, 1, Integer::sum);
        }
    }

    /**
     * A key or a value: mostly what the plain form holds, else bytes only the escaped form holds
     * ('|', '%', line breaks, NUL, bytes that are not UTF-8); some longer than the replay's scratch
     * space, a few values longer than the batch it holds puts back in; values may be empty.
     */
    private static byte[] randomBytes(Random random, boolean key) {
        int shape = random.nextInt(10);
        int length = shape == 0 ? (!key && random.nextInt(40) == 0 ? 60_000 + random.nextInt(20_000)
                : 300 + random.nextInt(700)) : (key ? 1 : 0) + random.nextInt(key ? 6 : 24);
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = shape < 6 ? (byte) ('a' + random.nextInt(26))
                    : shape < 8 ? SPECIAL[random.nextInt(SPECIAL.length)]
                    : (byte) random.nextInt(256);
        }
        return bytes;
    }

    private static Object run(KeyValueStore store, String name, byte[]... args) {
        List<byte[]> request = new ArrayList<>();
        request.add(name.getBytes(StandardCharsets.US_ASCII));
        request.addAll(Arrays.asList(args));
        DataCommand command = DataCommands.lookup(name);
        if (!command.write()) {
            return command.body().run(store.view(0), request);
        }
        try {
            return store.submit(new Write.Exec(command, request, 0, 42)).join();
        }
        catch (CompletionException ex) {
            // A hash command on a string key: Redis's WRONGTYPE, which changes nothing.
            return ex.getCause();
        }
    }

    /** Each key that exists, as its type, value and deadline say. */
    private static Map<String, String> everyKey(KeyValueStore store, List<byte[]> keys) {
        Map<String, String> all = new HashMap<>();
        for (byte[] key : keys) {
            String type = render(run(store, "type", key));
            if (type.equals("none")) {
                continue;
            }
            String value = render(type.equals("string") ? store.get(key) : run(store, "hgetall", key));
            all.put(Arrays.toString(key), type + " " + value + " deadline " + render(run(store, "pexpiretime", key)));
        }
        return all;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every Java runtime has SHA-256", ex);
        }
    }

    private static String render(Object reply) {
        if (reply instanceof byte[] bytes) {
            if (bytes.length > 64) {
                // A report that names a large value by its digest stays readable.
                return bytes.length + " bytes, SHA-256 " + HexFormat.of().formatHex(sha256(bytes));
            }
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        if (reply instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object part : list) {
                parts.add(render(part));
            }
            parts.sort(null);
            return parts.toString();
        }
        return String.valueOf(reply);
    }
}
