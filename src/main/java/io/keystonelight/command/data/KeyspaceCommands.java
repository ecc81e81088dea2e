package io.keystonelight.command.data;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.store.DataType;
import io.keystonelight.store.HashValue;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.ListValue;
import io.keystonelight.store.Mutations;
import io.keystonelight.store.SetValue;
import io.keystonelight.store.SortedSetValue;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/** The keyspace commands of any type: TYPE, RENAME, RENAMENX, COPY, RANDOMKEY, TOUCH, OBJECT. */
final class KeyspaceCommands {

    private KeyspaceCommands() {
    }

    static void register() {
        read("type", 2, 1, 1, 1, (keys, args) -> {
            DataType type = keys.type(args.get(1));
            return type == null ? "none" : type.redisName();
        });
        write("rename", 3, 1, 2, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            if (m.value(args.get(1)) == null) {
                throw Args.error("no such key");
            }
            rename(m, args.get(1), args.get(2));
            return CommandExecutor.OK;
        });
        write("renamenx", 3, 1, 2, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            if (m.value(args.get(1)) == null) {
                throw Args.error("no such key");
            }
            if (m.value(args.get(2)) != null) {
                return 0L;
            }
            rename(m, args.get(1), args.get(2));
            return 1L;
        });
        write("copy", -3, 1, 2, 1, KeyspaceCommands::copy);
        read("randomkey", 1, 0, 0, 0, (keys, args) -> randomKey(keys));
        read("touch", -2, 1, -1, 1, (keys, args) -> {
            long count = 0;
            for (int i = 1; i < args.size(); i++) {
                if (keys.value(args.get(i)) != null) {
                    count++;
                }
            }
            return count;
        });
        read("object", -2, 2, 2, 1, KeyspaceCommands::object);
    }

    /** A key renamed to itself changes nothing, and Redis says nothing of it. */
    private static void rename(Mutations keys, byte[] from, byte[] to) {
        keys.rename(from, to);
        if (!Args.same(from, to)) {
            keys.keyspaceEvent('g', "rename_from", from);
            keys.keyspaceEvent('g', "rename_to", to);
        }
    }

    private static Object copy(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        boolean replace = false;
        for (int i = 3; i < args.size(); i++) {
            if (Args.is(args.get(i), "replace")) {
                replace = true;
            }
            else if (Args.is(args.get(i), "db") && i + 1 < args.size()) {
                long db = Args.integer(args.get(++i));
                if (db != 0) {
                    throw Args.error("DB index is out of range");
                }
            }
            else {
                throw Args.syntaxError();
            }
        }
        byte[] from = args.get(1);
        byte[] to = args.get(2);
        if (Args.same(from, to)) {
            throw Args.error("source and destination objects are the same");
        }
        Object value = keys.value(from);
        if (value == null) {
            return 0L;
        }
        if (keys.value(to) != null && !replace) {
            return 0L;
        }
        keys.restore(to, value, keys.deadline(from));
        keys.keyspaceEvent('g', "copy_to", to);
        return 1L;
    }

    private static Object randomKey(Keyspace keys) {
        long size = keys.size();
        if (size <= 0) {
            return CommandExecutor.NONE;
        }
        long pick = ThreadLocalRandom.current().nextLong(size);
        byte[][] chosen = new byte[1][];
        long[] at = { 0 };
        keys.forEachKey(key -> {
            if (at[0]++ == pick || chosen[0] == null && at[0] > pick) {
                chosen[0] = key;
            }
        });
        return chosen[0] == null ? CommandExecutor.NONE : chosen[0];
    }

    private static final List<Object> OBJECT_HELP = List.of(
            "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
            "HELP",
            "    Prints this help.");

    private static Object object(Keyspace keys, List<byte[]> args) {
        String sub = Args.lower(args.get(1));
        if (sub.equals("help") && args.size() == 2) {
            List<Object> lines = new ArrayList<>();
            for (Object line : OBJECT_HELP) {
                lines.add(new io.keystonelight.command.StatusReply((String) line));
            }
            return lines;
        }
        if (!List.of("encoding", "refcount", "idletime", "freq", "help").contains(sub)) {
            throw Args.error("unknown subcommand '" + Args.text(args.get(1)) + "'. Try OBJECT HELP.");
        }
        if (args.size() != 3) {
            throw Args.error("wrong number of arguments for 'object|" + sub + "' command");
        }
        Object value = keys.value(args.get(2));
        if (value == null) {
            return CommandExecutor.NONE;
        }
        return switch (sub) {
            case "encoding" -> Args.bytes(encoding(value));
            case "refcount" -> value instanceof byte[] b && isSharedInteger(b) ? (long) Integer.MAX_VALUE : 1L;
            case "idletime" -> 0L;
            default -> throw Args.error("An LFU maxmemory policy is not selected, access frequency not tracked. "
                    + "Please note that when switching between policies at runtime LRU and LFU data will take some "
                    + "time to adjust.");
        };
    }

    private static boolean isSharedInteger(byte[] value) {
        Long n = Args.parseLong(value);
        return n != null && n >= 0 && n < 10000;
    }

    /** The encoding Redis 7.0 would use for such a value, by its own thresholds. */
    static String encoding(Object value) {
        if (value instanceof byte[] string) {
            if (string.length <= 20 && Args.parseLong(string) != null) {
                return "int";
            }
            return string.length <= 44 ? "embstr" : "raw";
        }
        if (value instanceof HashValue hash) {
            boolean[] small = { hash.size() <= 128 };
            hash.forEach((field, v) -> small[0] &= field.length <= 64 && v.length <= 64);
            return small[0] ? "listpack" : "hashtable";
        }
        if (value instanceof ListValue) {
            return "quicklist";
        }
        if (value instanceof SetValue set) {
            if (set.size() <= 512 && set.members().stream().allMatch(m -> Args.parseLong(m) != null)) {
                return "intset";
            }
            return "hashtable";
        }
        if (value instanceof SortedSetValue zset) {
            boolean small = zset.size() <= 128
                    && zset.entries().stream().allMatch(entry -> entry.member().length <= 64);
            return small ? "listpack" : "skiplist";
        }
        throw new IllegalArgumentException("no encoding for " + value);
    }
}
