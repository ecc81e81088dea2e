package io.keystonelight.command.data;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Every command of the data types, expiry and keyspace, one entry each, by name: the one place a
 * protocol looks them up, and a replica finds a replicated write's operation again.
 */
public final class DataCommands {

    private static final Map<String, DataCommand> BY_NAME = new HashMap<>();

    /** Commands of one protocol's own (the text protocol's), not looked up by RESP's name. */
    private static final Map<String, DataCommand> INTERNAL = new HashMap<>();

    private static final Map<String, BlockingPops.Pop> BLOCKING = new HashMap<>();

    static {
        ExpiryCommands.register();
        KeyspaceCommands.register();
        StringCommands.register();
        HashCommands.register();
        SetCommands.register();
        ListCommands.register();
        SortedSetCommands.register();
        BlockingPops.register();
        MemoryCommand.register();
        INTERNAL.put("persist-or-missing", new DataCommand("persist-or-missing", 2, 1, 1, 1, true,
                (keys, args) -> keys.value(args.get(1)) == null ? -1L
                        : ExpiryCommands.persist((io.keystonelight.store.Mutations) keys, args.get(1)) ? 1L : 0L));
        ReplyShapes.checkNames();
    }

    private DataCommands() {
    }

    /** The command named {@code name} (lower case), or {@code null}. */
    public static DataCommand lookup(String name) {
        return BY_NAME.get(name);
    }

    /** A protocol's own command, by name; {@code null} if none. */
    public static DataCommand lookupInternal(String name) {
        return INTERNAL.get(name);
    }

    /** The operation of a replicated write, by name: any command that writes. */
    public static DataCommand operation(String name) {
        DataCommand command = BY_NAME.get(name);
        return command != null ? command : INTERNAL.get(name);
    }

    /** How {@code command} blocks when it finds nothing, or {@code null} if it never blocks. */
    public static BlockingPops.Pop blocking(DataCommand command) {
        return BLOCKING.get(command.name());
    }

    static void blocking(DataCommand command, BlockingPops.Pop pop) {
        add(command);
        BLOCKING.put(command.name(), pop);
    }

    public static Collection<DataCommand> all() {
        return BY_NAME.values();
    }

    static void read(String name, int arity, int firstKey, int lastKey, int step, DataCommand.Body body) {
        add(new DataCommand(name, arity, firstKey, lastKey, step, false, body));
    }

    static void write(String name, int arity, int firstKey, int lastKey, int step, DataCommand.Body body) {
        add(new DataCommand(name, arity, firstKey, lastKey, step, true, body));
    }

    private static void add(DataCommand command) {
        if (BY_NAME.put(command.name(), command) != null) {
            throw new IllegalStateException("two commands named " + command.name());
        }
    }
}
