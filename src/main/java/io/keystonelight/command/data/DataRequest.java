package io.keystonelight.command.data;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.keystonelight.command.Command;
import io.keystonelight.command.Transactional;
import io.keystonelight.store.Write;

/** A request for a {@link DataCommand}, its arguments as given (the name first). */
public record DataRequest(DataCommand command, List<byte[]> args) implements Command, Transactional {

    @Override
    public Kind kind() {
        if (DataCommands.blocking(this.command) != null) {
            // A blocked client runs nothing else until it is answered, as in Redis.
            return Kind.SLOW;
        }
        return this.command.write() ? Kind.WRITE : Kind.READ;
    }

    @Override
    public String commandName() {
        return this.command.name();
    }

    @Override
    public Object resp3(Object result) {
        return ReplyShapes.of(this.command).resp3(this.args, result);
    }

    /** A read as well as a write: inside EXEC a read must see the transaction's earlier writes. */
    @Override
    public Write<?> step(long now) {
        return new Write.Exec(this.command, this.args, now, ThreadLocalRandom.current().nextLong());
    }

    @Override
    public String toString() {
        return "DataRequest[" + this.command.name() + ", " + this.args.size() + " arguments]";
    }
}
