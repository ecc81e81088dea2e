package io.keystonelight.command.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.store.HashValue;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Write;
import io.keystonelight.store.WrongTypeException;

/**
 * Deadlines and hashes in the data file: the records a write makes, what a replay rebuilds from
 * them, what a compaction keeps, and a group torn by a crash. Real stores on real files.
 */
class TypedRecordsTest {

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
        KeyValueStore store = new KeyValueStore(dataFile(), FsyncPolicy.ALWAYS);
        this.opened.add(store);
        return store;
    }

    private KeyValueStore reopen(KeyValueStore store) throws IOException {
        store.close();
        this.opened.remove(store);
        return open();
    }

    private static Object run(KeyValueStore store, long now, String... request) {
        List<byte[]> args = Arrays.stream(request).map(arg -> arg.getBytes(StandardCharsets.UTF_8)).toList();
        DataCommand command = DataCommands.lookup(request[0].toLowerCase());
        if (!command.write()) {
            return command.body().run(store.view(now), args);
        }
        try {
            return store.submit(new Write.Exec(command, args, now, 42)).join();
        }
        catch (CompletionException ex) {
            throw (RuntimeException) ex.getCause();
        }
    }

    private List<String> lines() throws IOException {
        return Files.readAllLines(dataFile(), StandardCharsets.UTF_8);
    }

    @Test
    void aDeadlineIsWrittenAsAnAbsoluteTimeAndReplayedAsOne() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        run(store, now, "SET", "session", "s1", "PX", "600000");
        run(store, now, "SET", "plain", "p");
        run(store, now, "EXPIRE", "plain", "500");
        assertThat(lines()).containsExactly("|setat|session|" + (now + 600_000) + "|s1", "plain|p",
                "|pexpireat|plain|" + (now + 500_000));
        store = reopen(store);
        assertThat(run(store, now, "PEXPIRETIME", "session")).isEqualTo(now + 600_000);
        assertThat(run(store, now, "PEXPIRETIME", "plain")).isEqualTo(now + 500_000);
        assertThat(store.get("session")).isEqualTo("s1");
    }

    @Test
    void aKeyWhoseDeadlinePassedWhileTheServerWasDownIsGoneAfterTheRestart() throws IOException {
        KeyValueStore store = open();
        long past = System.currentTimeMillis() - 10_000;
        // Accepted ten seconds ago with a one-second TTL: its deadline is past now.
        run(store, past, "SET", "old", "v", "EX", "1");
        run(store, past, "HSET", "oldhash", "f", "v");
        run(store, past, "EXPIRE", "oldhash", "1");
        run(store, past, "SET", "kept", "v", "EX", "100");
        store = reopen(store);
        assertThat(store.exists("old".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(store.exists("oldhash".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.get("kept")).isEqualTo("v");
    }

    @Test
    void aPlainSetClearsTheDeadlineAndAnIncrementKeepsIt() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        run(store, now, "SET", "counter", "1", "EX", "100");
        store.submit(new Write.Increment("counter".getBytes(StandardCharsets.UTF_8), 1)).join();
        assertThat(lines()).last().isEqualTo("|setat|counter|" + (now + 100_000) + "|2");
        store.set("counter", "10");
        assertThat(lines()).last().isEqualTo("counter|10");
        store = reopen(store);
        assertThat(run(store, now, "TTL", "counter")).isEqualTo(-1L);
    }

    @Test
    void hashFieldsAreRecordsOfTheirOwnAndReplayToTheSameHash() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        run(store, now, "HSET", "user:1", "name", "Ada", "city", "London");
        run(store, now, "HDEL", "user:1", "city");
        run(store, now, "HINCRBY", "user:1", "born", "1815");
        assertThat(lines()).containsExactly("|tx|%7Chset%7Cuser:1%7Cname%7CAda|%7Chset%7Cuser:1%7Ccity%7CLondon",
                "|hdel|user:1|city", "|hset|user:1|born|1815");
        KeyValueStore replayed = reopen(store);
        assertThat(run(replayed, now, "HGETALL", "user:1")).asList().extracting(v -> new String((byte[]) v))
                .containsExactly("name", "Ada", "born", "1815");
        assertThatThrownBy(() -> replayed.get("user:1".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(WrongTypeException.class);
    }

    @Test
    void everyScoreIsRecordedSoThatItReplaysToTheSameDouble() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        String[][] scores = { { "169", "int" }, { "-7", "negative" }, { "0", "zero" }, { "-0", "negative-zero" },
                { "1.5", "fraction" }, { "9007199254740993", "past-2^53" }, { "-9007199254740992", "minus-2^53" },
                { "1e300", "huge" }, { "-inf", "minus-inf" }, { "+inf", "inf" }, { "0.1", "tenth" } };
        for (String[] score : scores) {
            run(store, now, "ZADD", "z", score[0], score[1]);
        }
        assertThat(lines()).contains("|zadd|z|169|int", "|zadd|z|-7|negative", "|zadd|z|0|zero",
                "|zadd|z|-9007199254740992|minus-2^53");
        List<String> before = new ArrayList<>();
        List<String> after = new ArrayList<>();
        for (String[] score : scores) {
            before.add(score[1] + "=" + new String((byte[]) run(store, now, "ZSCORE", "z", score[1])));
        }
        KeyValueStore replayed = reopen(store);
        for (String[] score : scores) {
            after.add(score[1] + "=" + new String((byte[]) run(replayed, now, "ZSCORE", "z", score[1])));
        }
        assertThat(after).as("scores after a replay of the data file %s", lines()).isEqualTo(before)
                .contains("past-2^53=9007199254740992", "huge=1.0000000000000001e+300", "tenth=0.10000000000000001");
    }

    @Test
    void aWriteGroupTornByACrashIsReplayedWholeOrNotAtAll() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        run(store, now, "HSET", "h", "a", "1");
        run(store, now, "HSET", "h", "b", "2", "c", "3");
        store.close();
        this.opened.remove(store);
        byte[] file = Files.readAllBytes(dataFile());
        // A crash in the middle of the last line: the group's first field made it, the rest did not.
        Files.write(dataFile(), Arrays.copyOf(file, file.length - 12));
        KeyValueStore replayed = open();
        HashValue hash = replayed.view(now).get("h".getBytes(StandardCharsets.UTF_8), HashValue.class);
        assertThat(hash.size()).as("only the write before the torn group").isEqualTo(1);
        assertThat(hash.contains("b".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void compactionKeepsEachLiveKeysLastStateAndDeadlineAndDropsExpiredOnes() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            run(store, now, "HSET", "h", "f" + i, "v" + i);
        }
        run(store, now, "HDEL", "h", "f0");
        run(store, now, "EXPIRE", "h", "1000");
        run(store, now, "SET", "s", "v", "EX", "1000");
        run(store, now - 5_000, "SET", "dead", "v", "EX", "1");
        run(store, now, "RENAME", "s", "s2");
        store.compact();
        assertThat(lines()).containsExactlyInAnyOrder("|setat|s2|" + (now + 1_000_000) + "|v",
                "|hset|h|f1|v1|f2|v2|f3|v3|f4|v4", "|pexpireat|h|" + (now + 1_000_000));
        store = reopen(store);
        assertThat(run(store, now, "HLEN", "h")).isEqualTo(4L);
        assertThat(run(store, now, "PEXPIRETIME", "s2")).isEqualTo(now + 1_000_000);
    }

    @Test
    void aRejectedWriteChangesNothingAndWritesNothing() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        run(store, now, "SET", "s", "v");
        long before = Files.size(dataFile());
        assertThatThrownBy(() -> run(store, now, "HSET", "s", "f", "v")).isInstanceOf(WrongTypeException.class);
        assertThatThrownBy(() -> run(store, now, "HINCRBY", "s", "f", "x")).hasMessage("value is not an integer or out of range");
        assertThat(Files.size(dataFile())).isEqualTo(before);
        assertThat(store.get("s")).isEqualTo("v");
    }

    @Test
    void anExpiredKeyMetByAWriteIsDeletedWithADeleteRecord() throws IOException {
        KeyValueStore store = open();
        long now = System.currentTimeMillis();
        run(store, now, "SET", "k", "v", "PX", "50");
        assertThat(run(store, now + 100, "EXPIRE", "k", "10")).isEqualTo(0L);
        assertThat(lines()).last().isEqualTo("k");
    }
}
