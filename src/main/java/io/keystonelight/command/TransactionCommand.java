package io.keystonelight.command;

import java.util.List;

/** MULTI, EXEC, DISCARD, WATCH and UNWATCH; see {@link Transaction}. */
public sealed interface TransactionCommand extends Command {

    record Multi() implements TransactionCommand {
    }

    /** @param queued the commands queued since MULTI, bound when EXEC arrives */
    record Exec(List<Command> queued) implements TransactionCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    record Discard() implements TransactionCommand {
    }

    record Watch(List<byte[]> keys) implements TransactionCommand {
    }

    record Unwatch() implements TransactionCommand {
    }
}
