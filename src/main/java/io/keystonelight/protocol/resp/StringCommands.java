package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.store.KeyValueStore;

import org.springframework.stereotype.Component;

/**
 * RESP's string commands beyond GET and a plain SET: SET with options, SETNX, GETDEL, MGET,
 * MSET, INCR/DECR[BY], APPEND, STRLEN. Writes go through the store's write pipeline, so each is
 * answered once durable; reads after the store's read barrier.
 */
@Component
class StringCommands implements CommandFamily {

    private final KeyValueStore store;

    StringCommands(KeyValueStore store) {
        this.store = store;
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof RespCommand.SetWithOptions || command instanceof RespCommand.SetIfAbsent
                || command instanceof RespCommand.GetDel || command instanceof RespCommand.MultiGet
                || command instanceof RespCommand.MultiSet || command instanceof RespCommand.IncrementBy
                || command instanceof RespCommand.Append || command instanceof RespCommand.StrLen;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        if (command.kind() == Command.Kind.WRITE) {
            // The same step a transaction runs, on its own.
            io.keystonelight.command.Transactional write = (io.keystonelight.command.Transactional) command;
            return this.store.submit(write.step(System.currentTimeMillis())).thenApply(write::reply);
        }
        if (command instanceof RespCommand.MultiGet mget) {
            return Reads.read(this.store, () -> {
                List<Object> values = new ArrayList<>(mget.keys().size());
                for (byte[] key : mget.keys()) {
                    Object value = this.store.view().value(key);
                    // MGET answers nil for a key of another type, as Redis does.
                    values.add(value instanceof byte[] ? value : io.keystonelight.command.CommandExecutor.NONE);
                }
                return values;
            });
        }
        if (command instanceof RespCommand.StrLen strlen) {
            return Reads.read(this.store, () -> {
                byte[] value = this.store.get(strlen.key());
                return value == null ? 0L : (long) value.length;
            });
        }
        throw new IllegalArgumentException("not a string command: " + command);
    }
}
