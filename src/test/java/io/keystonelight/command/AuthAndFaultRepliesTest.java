package io.keystonelight.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.protocol.text.TextCommandParser;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.support.FaultyDisk;
import io.keystonelight.support.TextRequests;

/**
 * The {@code auth} request's syntax, and the replies a client gets while the disk fails.
 */
class AuthAndFaultRepliesTest {

    @TempDir
    Path folder;

    @Test
    void authTakesTheRestOfTheLineAsThePassword() {
        assertThat(password(TextCommandParser.parse("auth s3cret"))).isEqualTo("s3cret");
        assertThat(password(TextCommandParser.parse("AUTH two words"))).isEqualTo("two words");
        assertThat(password(TextCommandParser.parse("auth\tx|y "))).isEqualTo("x|y ");
        assertThat(TextCommandParser.parse("auth")).isEqualTo(
                new Command.Invalid("wrong number of arguments for 'auth': expected auth <password>"));
        assertThat(TextCommandParser.parse("auth ")).isInstanceOf(Command.Invalid.class);
        assertThat(TextCommandParser.parse("auth s3cret").toString()).doesNotContain("s3cret");
    }

    private static String password(Command command) {
        return new String(((Command.Auth) command).password(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void afterAFailedFsyncWritesGetErrAndReadsGoOn() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS, disk);
                TextRequests executor = new TextRequests(store)) {
            assertThat(executor.send("set a 1")).isEqualTo("OK");
            disk.failFsync();
            assertThat(executor.send("set a 2"))
                    .startsWith("ERR write not persisted, nothing was changed: the data file ")
                    .contains("could not be fsynced (Input/output error)");
            assertThat(store.writeFailure()).contains("accepts no more writes until it is restarted");
            assertThat(executor.send("del a"))
                    .startsWith("ERR write not persisted, nothing was changed")
                    .contains("accepts no more writes until it is restarted");
            assertThat(executor.send("compact")).startsWith("ERR compaction failed");
            assertThat(executor.send("get a")).isEqualTo("VALUE 1");
            assertThat(executor.send("ping")).isEqualTo("PONG");
        }
    }

    @Test
    void onAFullDiskWritesGetErrAndWorkAgainOnceThereIsSpace() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS, disk);
                TextRequests executor = new TextRequests(store)) {
            assertThat(executor.send("set a 1")).isEqualTo("OK");
            disk.fillUp();
            assertThat(executor.send("set a 2"))
                    .startsWith("ERR write not persisted, nothing was changed: could not write to data file ")
                    .endsWith("No space left on device");
            assertThat(executor.send("get a")).isEqualTo("VALUE 1");
            disk.freeSpace();
            assertThat(executor.send("set a 2")).isEqualTo("OK");
            assertThat(store.writeFailure()).isNull();
        }
    }
}
