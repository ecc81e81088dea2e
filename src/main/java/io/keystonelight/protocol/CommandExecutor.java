package io.keystonelight.protocol;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.persistence.DataFileException;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.WriteRefusedException;

import org.springframework.stereotype.Component;

/**
 * Executes a parsed {@link Command} against the store and words its reply line (without the
 * line ending).
 */
@Component
public class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    private final KeyValueStore store;

    public CommandExecutor(KeyValueStore store) {
        this.store = store;
    }

    public String execute(Command command) {
        try {
            if (command instanceof Command.Get get) {
                String value = this.store.get(get.key());
                return value == null ? "NOT_FOUND" : "VALUE " + value;
            }
            if (command instanceof Command.Set set) {
                this.store.set(set.key(), set.value());
                return "OK";
            }
            if (command instanceof Command.Delete delete) {
                return "DELETED " + this.store.delete(delete.keys());
            }
            if (command instanceof Command.Ping) {
                return "PONG";
            }
            if (command instanceof Command.Compact) {
                return compact();
            }
            if (command instanceof Command.Auth) {
                // The connection checked the password before it let the request through.
                return "OK";
            }
            return "ERR " + ((Command.Invalid) command).error();
        }
        catch (WriteRefusedException ex) {
            return "ERR write not persisted, nothing was changed: " + ex.getMessage();
        }
    }

    private String compact() {
        try {
            CompactionResult result = this.store.compact();
            return "OK compacted: " + result.bytesBefore() + " -> " + result.bytesAfter() + " bytes ("
                    + result.reclaimedBytes() + " reclaimed), " + result.liveKeys() + " live keys, took "
                    + result.duration().toMillis() + " ms";
        }
        catch (IOException | DataFileException ex) {
            log.error("Compaction requested by a client failed: {}", ex.getMessage());
            return "ERR compaction failed, the data file is unchanged: " + ex.getMessage();
        }
    }
}
