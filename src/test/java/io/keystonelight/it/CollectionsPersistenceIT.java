package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerProcess;

/**
 * Lists, sets and sorted sets written over RESP by every kind of write survive the packaged
 * server's end: a kill -9 right after the replies (each write is in the data file before it is
 * answered), a compaction (which writes each collection whole), and a restart on the compacted file.
 */
class CollectionsPersistenceIT {

    private static final List<String> KEYS = List.of("list", "moved", "trimmed", "set", "stored", "smoved",
            "zset", "zstored", "odd", "deadline", "emptied");

    @TempDir
    Path folder;

    @Test
    void everyTypeReadsBackTheSameAfterKill9CompactionAndRestart() throws IOException {
        Map<String, String> written;
        ServerProcess first = ServerProcess.start(this.folder);
        try (RespConnection resp = RespConnection.connect(first.port())) {
            writeEveryKind(resp);
            written = snapshot(resp);
        }
        first.kill9();
        first.close();
        assertThat(written.get("list")).as("the list after its writes, as Redis would leave it")
                .isEqualTo("+list\r\n*5\r\n$1\r\ny\r\n$1\r\nA\r\n$1\r\nb\r\n$8\r\nbefore-c\r\n$1\r\nc\r\n"
                        + " deadline :-1\r\n");

        try (ServerProcess second = ServerProcess.start(this.folder)) {
            try (RespConnection resp = RespConnection.connect(second.port())) {
                assertThat(snapshot(resp)).as("after kill -9 and a replay of every record").isEqualTo(written);
            }
            try (LineClient text = second.connect()) {
                assertThat(text.call("compact")).startsWith("OK compacted: ");
            }
            try (RespConnection resp = RespConnection.connect(second.port())) {
                assertThat(snapshot(resp)).as("after compaction, on the running server").isEqualTo(written);
            }
        }
        List<String> records = Files.readAllLines(this.folder.resolve("db.txt"), StandardCharsets.UTF_8);
        assertThat(records).as("a compacted file dumps each collection, with none of the steps that made it")
                .anyMatch(line -> line.startsWith("|rpush|list|"))
                .anyMatch(line -> line.startsWith("|sadd|set|"))
                .anyMatch(line -> line.startsWith("|zadd|zset|"))
                .noneMatch(line -> line.startsWith("|lpop|") || line.startsWith("|srem|")
                        || line.startsWith("|zrem|") || line.startsWith("|lremat|"));

        try (ServerProcess third = ServerProcess.start(this.folder);
                RespConnection resp = RespConnection.connect(third.port())) {
            assertThat(snapshot(resp)).as("after a restart on the compacted file").isEqualTo(written);
        }
    }

    /** One or more of every write that makes a record of its own, on every type. */
    private static void writeEveryKind(RespConnection resp) {
        call(resp, ":6", "RPUSH", "list", "a", "b", "c", "d", "e", "f");
        call(resp, ":8", "LPUSH", "list", "y", "z");
        call(resp, "+OK", "LSET", "list", "2", "A");
        call(resp, ":9", "LINSERT", "list", "BEFORE", "c", "before-c");
        call(resp, ":1", "LREM", "list", "1", "d");
        call(resp, "$1", "LPOP", "list");
        call(resp, "$1", "RPOP", "list");
        call(resp, "$1", "LMOVE", "list", "moved", "RIGHT", "LEFT");
        call(resp, ":5", "RPUSH", "trimmed", "1", "2", "3", "4", "5");
        call(resp, "+OK", "LTRIM", "trimmed", "1", "-2");
        call(resp, ":5", "SADD", "set", "m1", "m2", "m3", "m4", "m5");
        call(resp, ":1", "SREM", "set", "m1");
        call(resp, ":1", "SMOVE", "set", "smoved", "m2");
        call(resp, "*1", "SPOP", "set", "1");
        call(resp, ":3", "SADD", "other", "m3", "m4", "m5");
        call(resp, ":", "SINTERSTORE", "stored", "set", "other");
        call(resp, ":4", "ZADD", "zset", "0.1", "a", "-inf", "b", "1e300", "c", "3.3333333333333335", "d");
        call(resp, "$", "ZINCRBY", "zset", "2.5", "a");
        call(resp, ":1", "ZREM", "zset", "b");
        call(resp, ":1", "ZADD", "zset", "7", "e");
        call(resp, "*2", "ZPOPMAX", "zset");
        call(resp, ":1", "ZREMRANGEBYSCORE", "zset", "7", "7");
        call(resp, ":2", "ZADD", "zother", "1", "a", "2", "d");
        call(resp, ":2", "ZINTERSTORE", "zstored", "2", "zset", "zother", "WEIGHTS", "1", "10");
        // Bytes the plain record form cannot hold, in members and elements.
        call(resp, ":4", "RPUSH", "odd", "a|b", "line\nfeed", "", "100%");
        call(resp, ":1", "SADD", "oddset", "p|q\r\n");
        call(resp, "+OK", "RENAME", "oddset", "smoved-odd");
        call(resp, ":1", "SMOVE", "smoved-odd", "smoved", "p|q\r\n");
        call(resp, ":2", "RPUSH", "deadline", "1", "2");
        call(resp, ":1", "PEXPIREAT", "deadline", "4102444800123");
        call(resp, ":1", "RPUSH", "emptied", "only");
        call(resp, "$4", "LPOP", "emptied");
    }

    private static void call(RespConnection resp, String expectedStart, String... request) {
        String reply = resp.call(request);
        assertThat(reply).as(Arrays.toString(request)).startsWith(expectedStart);
    }

    /** Every key's type, deadline and contents; a set's members sorted, its order being Redis's to choose. */
    private static Map<String, String> snapshot(RespConnection resp) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("dbsize", resp.call("DBSIZE"));
        for (String key : KEYS) {
            String type = resp.call("TYPE", key);
            String contents = switch (type) {
                case "+list\r\n" -> resp.call("LRANGE", key, "0", "-1");
                case "+set\r\n" -> sortedElements(resp.call("SMEMBERS", key));
                case "+zset\r\n" -> resp.call("ZRANGE", key, "0", "-1", "WITHSCORES");
                default -> "none";
            };
            out.put(key, type + contents + " deadline " + resp.call("PEXPIRETIME", key));
        }
        return out;
    }

    /** The bulk strings of a flat array reply, read by their lengths (a member may hold CR LF), sorted. */
    private static String sortedElements(String reply) {
        int lineEnd = reply.indexOf("\r\n");
        int count = Integer.parseInt(reply.substring(1, lineEnd));
        int at = lineEnd + 2;
        List<String> elements = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int headerEnd = reply.indexOf("\r\n", at);
            int length = Integer.parseInt(reply.substring(at + 1, headerEnd));
            elements.add(reply.substring(headerEnd + 2, headerEnd + 2 + length));
            at = headerEnd + 2 + length + 2;
        }
        Collections.sort(elements);
        return "*" + count + " " + elements;
    }
}
