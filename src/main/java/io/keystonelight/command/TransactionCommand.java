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

        /** Each queued command's reply in its own RESP3 type. */
        @Override
        public Object resp3(Object result) {
            if (!(result instanceof List<?> replies) || replies.size() != this.queued.size()) {
                return result;
            }
            List<Object> typed = new java.util.ArrayList<>(replies.size());
            for (int i = 0; i < replies.size(); i++) {
                typed.add(this.queued.get(i).resp3(replies.get(i)));
            }
            return typed;
        }
    }

    record Discard() implements TransactionCommand {
    }

    record Watch(List<byte[]> keys) implements TransactionCommand {
    }

    record Unwatch() implements TransactionCommand {
    }
}
