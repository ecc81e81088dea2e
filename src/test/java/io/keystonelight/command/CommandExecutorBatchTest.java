package io.keystonelight.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.support.TextRequests;

class CommandExecutorBatchTest {

    @TempDir
    Path folder;

    private KeyValueStore store;

    @AfterEach
    void close() throws IOException {
        this.store.close();
    }

    private List<String> execute(String... lines) {
        this.store = this.store != null ? this.store
                : new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS);
        try (TextRequests requests = new TextRequests(this.store)) {
            return requests.send(lines);
        }
    }

    @Test
    void aBatchIsAnsweredInOrderAndEachRequestSeesTheOnesBeforeIt() throws IOException {
        List<String> replies = execute("set a 1", "set b 2", "get a", "del a b c", "get b", "bogus", "set c 3",
                "del c", "ping");
        assertThat(replies).containsExactly("OK", "OK", "VALUE 1", "DELETED 2", "NOT_FOUND",
                "ERR unknown command 'bogus'; expected one of: set, get, delete (or del), expire, ttl, persist, compact, ping, quit", "OK",
                "DELETED 1", "PONG");
        assertThat(Files.readString(this.folder.resolve("db.txt"))).isEqualTo("a|1\nb|2\na\nb\nc|3\nc\n");
    }
}
