package io.keystonelight.protocol;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.compaction.CompactionHistory;
import io.keystonelight.persistence.DataFileException;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.Write;
import io.keystonelight.store.WriteRefusedException;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Executes a parsed {@link Command} against the store and words its reply line (without the
 * line ending).
 */
@Component
public class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    private final KeyValueStore store;

    private final CompactionHistory compactions;

    @Autowired
    public CommandExecutor(KeyValueStore store, CompactionHistory compactions) {
        this.store = store;
        this.compactions = compactions;
    }

    public CommandExecutor(KeyValueStore store) {
        this(store, new CompactionHistory(store));
    }

    /**
     * Executes requests that arrived together, in order, and returns their replies in the same
     * order. Writes that follow one another are committed as one group: one write to the data
     * file and one fsync for all of them, as Redis does for the commands of one event-loop round.
     */
    public List<String> execute(List<Command> commands) {
        List<String> replies = new ArrayList<>(commands.size());
        int i = 0;
        while (i < commands.size()) {
            int writesEnd = i;
            while (writesEnd < commands.size() && isWrite(commands.get(writesEnd))) {
                writesEnd++;
            }
            if (writesEnd - i > 1) {
                executeWrites(commands.subList(i, writesEnd), replies);
                i = writesEnd;
            }
            else {
                replies.add(execute(commands.get(i)));
                i++;
            }
        }
        return replies;
    }

    private static boolean isWrite(Command command) {
        return command instanceof Command.Set || command instanceof Command.Delete;
    }

    private void executeWrites(List<Command> writes, List<String> replies) {
        List<Write> changes = new ArrayList<>(writes.size());
        for (Command command : writes) {
            if (command instanceof Command.Set set) {
                changes.add(new Write.Set(set.key(), set.value()));
            }
            else {
                changes.add(new Write.Delete(((Command.Delete) command).keys()));
            }
        }
        try {
            int[] deleted = this.store.writeAll(changes);
            for (int j = 0; j < writes.size(); j++) {
                replies.add(writes.get(j) instanceof Command.Set ? "OK" : "DELETED " + deleted[j]);
            }
        }
        catch (RuntimeException ex) {
            String refusal = ex instanceof WriteRefusedException refused ? refusal(refused) : internalError(ex);
            for (int j = 0; j < writes.size(); j++) {
                replies.add(refusal);
            }
        }
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
            if (command instanceof Command.CompactStatus) {
                return this.compactions.status();
            }
            if (command instanceof Command.Auth) {
                // The connection checked the password before it let the request through.
                return "OK";
            }
            return "ERR " + ((Command.Invalid) command).error();
        }
        catch (WriteRefusedException ex) {
            return refusal(ex);
        }
        catch (RuntimeException ex) {
            // Each request still gets its own reply, so the replies after it keep their places.
            return internalError(ex);
        }
    }

    private static String internalError(RuntimeException ex) {
        log.error("A request failed unexpectedly", ex);
        return internalErrorReply(ex);
    }

    /** The reply to a request that failed for a reason no one expected. */
    public static String internalErrorReply(Throwable cause) {
        return "ERR internal error: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static String refusal(WriteRefusedException ex) {
        return "ERR write not persisted, nothing was changed: " + ex.getMessage();
    }

    private String compact() {
        try {
            CompactionResult result = this.compactions.compact();
            String summary = CompactionHistory.summary(result);
            log.info("A client's compact request {}; writes waited at most {} ms", summary,
                    result.longestWriteStall().toMillis());
            return "OK " + summary;
        }
        catch (IOException | DataFileException ex) {
            String failure = CompactionHistory.failure(ex);
            log.error("Compaction requested by a client failed: {}", failure);
            return "ERR " + failure;
        }
    }
}
