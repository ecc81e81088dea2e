package io.keystonelight.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.persistence.FsyncPolicy;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.support.FaultyDisk;

/**
 * The {@code auth} request's syntax, and the replies a client gets while the disk fails.
 */
class AuthAndFaultRepliesTest {

    @TempDir
    Path folder;

    @Test
    void authTakesTheRestOfTheLineAsThePassword() {
        assertThat(CommandParser.parse("auth s3cret")).isEqualTo(new Command.Auth("s3cret"));
        assertThat(CommandParser.parse("AUTH two words")).isEqualTo(new Command.Auth("two words"));
        assertThat(CommandParser.parse("auth\tx|y ")).isEqualTo(new Command.Auth("x|y "));
        assertThat(CommandParser.parse("auth")).isEqualTo(
                new Command.Invalid("wrong number of arguments for 'auth': expected auth <password>"));
        assertThat(CommandParser.parse("auth ")).isInstanceOf(Command.Invalid.class);
        assertThat(new Command.Auth("s3cret").toString()).doesNotContain("s3cret");
    }

    @Test
    void afterAFailedFsyncWritesGetErrAndReadsGoOn() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS, disk)) {
            CommandExecutor executor = new CommandExecutor(store);
            assertThat(executor.execute(CommandParser.parse("set a 1"))).isEqualTo("OK");
            disk.failFsync();
            assertThat(executor.execute(CommandParser.parse("set a 2")))
                    .startsWith("ERR write not persisted, nothing was changed: the data file ")
                    .contains("could not be fsynced (Input/output error)");
            assertThat(store.writeFailure()).contains("accepts no more writes until it is restarted");
            assertThat(executor.execute(CommandParser.parse("del a")))
                    .startsWith("ERR write not persisted, nothing was changed")
                    .contains("accepts no more writes until it is restarted");
            assertThat(executor.execute(CommandParser.parse("compact"))).startsWith("ERR compaction failed");
            assertThat(executor.execute(CommandParser.parse("get a"))).isEqualTo("VALUE 1");
            assertThat(executor.execute(CommandParser.parse("ping"))).isEqualTo("PONG");
        }
    }

    @Test
    void onAFullDiskWritesGetErrAndWorkAgainOnceThereIsSpace() throws IOException {
        FaultyDisk disk = new FaultyDisk();
        try (KeyValueStore store = new KeyValueStore(this.folder.resolve("db.txt"), FsyncPolicy.ALWAYS, disk)) {
            CommandExecutor executor = new CommandExecutor(store);
            assertThat(executor.execute(CommandParser.parse("set a 1"))).isEqualTo("OK");
            disk.fillUp();
            assertThat(executor.execute(CommandParser.parse("set a 2")))
                    .startsWith("ERR write not persisted, nothing was changed: could not write to data file ")
                    .endsWith("No space left on device");
            assertThat(executor.execute(CommandParser.parse("get a"))).isEqualTo("VALUE 1");
            disk.freeSpace();
            assertThat(executor.execute(CommandParser.parse("set a 2"))).isEqualTo("OK");
            assertThat(store.writeFailure()).isNull();
        }
    }
}
