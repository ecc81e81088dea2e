package io.keystonelight.command.data;

import java.util.ArrayList;
import java.util.List;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.ListValue;
import io.keystonelight.store.Mutations;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/** Lists, as Redis 7.0 has them; the blocking pops are in {@link BlockingPops}. */
final class ListCommands {

    private ListCommands() {
    }

    static void register() {
        write("lpush", -3, 1, 1, 1, (keys, args) -> push((Mutations) keys, args, true, false));
        write("rpush", -3, 1, 1, 1, (keys, args) -> push((Mutations) keys, args, false, false));
        write("lpushx", -3, 1, 1, 1, (keys, args) -> push((Mutations) keys, args, true, true));
        write("rpushx", -3, 1, 1, 1, (keys, args) -> push((Mutations) keys, args, false, true));
        write("lpop", -2, 1, 1, 1, (keys, args) -> pop((Mutations) keys, args, true));
        write("rpop", -2, 1, 1, 1, (keys, args) -> pop((Mutations) keys, args, false));
        read("llen", 2, 1, 1, 1, (keys, args) -> (long) size(keys.get(args.get(1), ListValue.class)));
        read("lrange", 4, 1, 1, 1, ListCommands::lrange);
        read("lindex", 3, 1, 1, 1, (keys, args) -> {
            ListValue list = keys.get(args.get(1), ListValue.class);
            if (list == null) {
                return CommandExecutor.NONE;
            }
            long index = Args.integer(args.get(2));
            if (index < 0) {
                index += list.size();
            }
            return index < 0 || index >= list.size() ? CommandExecutor.NONE : list.get((int) index);
        });
        write("lset", 4, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            ListValue list = m.get(args.get(1), ListValue.class);
            if (list == null) {
                throw Args.error("no such key");
            }
            long index = Args.integer(args.get(2));
            if (index < 0) {
                index += list.size();
            }
            if (index < 0 || index >= list.size()) {
                throw Args.error("index out of range");
            }
            m.listSet(args.get(1), (int) index, args.get(3));
            m.keyspaceEvent('l', "lset", args.get(1));
            return CommandExecutor.OK;
        });
        write("linsert", 5, 1, 1, 1, ListCommands::linsert);
        write("lrem", 4, 1, 1, 1, ListCommands::lrem);
        write("ltrim", 4, 1, 1, 1, ListCommands::ltrim);
        read("lpos", -3, 1, 1, 1, ListCommands::lpos);
        write("lmove", 5, 1, 2, 1, (keys, args) -> lmove((Mutations) keys, args.get(1), args.get(2),
                end(args.get(3)), end(args.get(4))));
        write("rpoplpush", 3, 1, 2, 1, (keys, args) -> lmove((Mutations) keys, args.get(1), args.get(2), false,
                true));
        write("lmpop", -4, 0, 0, 0, ListCommands::lmpop);
    }

    private static int size(ListValue list) {
        return list == null ? 0 : list.size();
    }

    private static Object push(Mutations keys, List<byte[]> args, boolean head, boolean onlyIfExists) {
        ListValue list = keys.get(args.get(1), ListValue.class);
        if (onlyIfExists && list == null) {
            return 0L;
        }
        for (int i = 2; i < args.size(); i++) {
            keys.listPush(args.get(1), head, args.get(i));
        }
        keys.keyspaceEvent('l', head ? "lpush" : "rpush", args.get(1));
        return (long) size(keys.get(args.get(1), ListValue.class));
    }

    private static Object pop(Mutations keys, List<byte[]> args, boolean head) {
        if (args.size() > 3) {
            throw Args.error("wrong number of arguments for '" + Args.lower(args.get(0)) + "' command");
        }
        long count = -1;
        if (args.size() == 3) {
            count = Args.positive(args.get(2), "value is out of range, must be positive");
        }
        ListValue list = keys.get(args.get(1), ListValue.class);
        if (list == null) {
            return count < 0 ? CommandExecutor.NONE : CommandExecutor.NULL_ARRAY;
        }
        if (count < 0) {
            byte[] element = keys.listPop(args.get(1), head);
            keys.keyspaceEvent('l', head ? "lpop" : "rpop", args.get(1));
            return element;
        }
        long popped = Math.min(count, list.size());
        List<Object> out = new ArrayList<>((int) popped);
        for (long i = 0; i < popped; i++) {
            out.add(keys.listPop(args.get(1), head));
        }
        if (popped > 0) {
            keys.keyspaceEvent('l', head ? "lpop" : "rpop", args.get(1));
        }
        return out;
    }

    private static Object lrange(Keyspace keys, List<byte[]> args) {
        long start = Args.integer(args.get(2));
        long stop = Args.integer(args.get(3));
        ListValue list = keys.get(args.get(1), ListValue.class);
        List<Object> out = new ArrayList<>();
        int[] range = range(start, stop, size(list));
        if (range != null) {
            out.addAll(list.range(range[0], range[1]));
        }
        return out;
    }

    /** Redis's start/stop rules: negative from the end, clamped; {@code null} when nothing is in range. */
    static int[] range(long start, long stop, int size) {
        if (start < 0) {
            start += size;
        }
        if (stop < 0) {
            stop += size;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > stop || start >= size) {
            return null;
        }
        if (stop >= size) {
            stop = size - 1;
        }
        return new int[] { (int) start, (int) stop };
    }

    private static Object linsert(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        boolean after;
        if (Args.is(args.get(2), "after")) {
            after = true;
        }
        else if (Args.is(args.get(2), "before")) {
            after = false;
        }
        else {
            throw Args.syntaxError();
        }
        ListValue list = keys.get(args.get(1), ListValue.class);
        if (list == null) {
            return 0L;
        }
        for (int i = 0; i < list.size(); i++) {
            if (Args.same(list.get(i), args.get(3))) {
                keys.listInsert(args.get(1), after ? i + 1 : i, args.get(4));
                keys.keyspaceEvent('l', "linsert", args.get(1));
                return (long) keys.get(args.get(1), ListValue.class).size();
            }
        }
        return -1L;
    }

    private static Object lrem(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        long count = Args.integer(args.get(2));
        ListValue list = keys.get(args.get(1), ListValue.class);
        if (list == null) {
            return 0L;
        }
        byte[] element = args.get(3);
        // Indexes are found on the list as it was, then removed from the last so that none shifts.
        List<Integer> at = new ArrayList<>();
        if (count >= 0) {
            for (int i = 0; i < list.size() && (count == 0 || at.size() < count); i++) {
                if (Args.same(list.get(i), element)) {
                    at.add(i);
                }
            }
            for (int i = at.size() - 1; i >= 0; i--) {
                keys.listRemoveAt(args.get(1), at.get(i));
            }
        }
        else {
            for (int i = list.size() - 1; i >= 0 && at.size() < -count; i--) {
                if (Args.same(list.get(i), element)) {
                    at.add(i);
                }
            }
            for (int index : at) {
                keys.listRemoveAt(args.get(1), index);
            }
        }
        if (!at.isEmpty()) {
            keys.keyspaceEvent('l', "lrem", args.get(1));
        }
        return (long) at.size();
    }

    private static Object ltrim(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        long start = Args.integer(args.get(2));
        long stop = Args.integer(args.get(3));
        ListValue list = keys.get(args.get(1), ListValue.class);
        if (list == null) {
            return CommandExecutor.OK;
        }
        int[] range = range(start, stop, list.size());
        if (range == null) {
            keys.listKeep(args.get(1), 1, 0);
        }
        else if (range[0] != 0 || range[1] != list.size() - 1) {
            keys.listKeep(args.get(1), range[0], range[1]);
        }
        keys.keyspaceEvent('l', "ltrim", args.get(1));
        return CommandExecutor.OK;
    }

    private static Object lpos(Keyspace keys, List<byte[]> args) {
        long rank = 1;
        long count = -1;
        long maxlen = 0;
        for (int i = 3; i < args.size(); i++) {
            boolean hasValue = i + 1 < args.size();
            if (Args.is(args.get(i), "rank") && hasValue) {
                rank = Args.integer(args.get(++i));
                if (rank == 0) {
                    throw Args.error("RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
                            + "or use negative to start from the end of the list");
                }
            }
            else if (Args.is(args.get(i), "count") && hasValue) {
                count = Args.positive(args.get(++i), "COUNT can't be negative");
            }
            else if (Args.is(args.get(i), "maxlen") && hasValue) {
                maxlen = Args.positive(args.get(++i), "MAXLEN can't be negative");
            }
            else {
                throw Args.syntaxError();
            }
        }
        ListValue list = keys.get(args.get(1), ListValue.class);
        if (list == null) {
            return count != -1 ? new ArrayList<>() : CommandExecutor.NONE;
        }
        boolean fromHead = rank > 0;
        // Redis 7.0 negates the rank without a check, so the lowest long counts as -1: the first match from the tail.
        long skip = rank == Long.MIN_VALUE ? 0 : Math.abs(rank) - 1;
        long wanted = count == -1 ? 1 : count;
        List<Object> found = new ArrayList<>();
        int n = list.size();
        for (int seen = 0; seen < n && (maxlen == 0 || seen < maxlen); seen++) {
            int index = fromHead ? seen : n - 1 - seen;
            if (Args.same(list.get(index), args.get(2))) {
                if (skip > 0) {
                    skip--;
                }
                else {
                    found.add((long) index);
                    if (wanted != 0 && found.size() >= wanted) {
                        break;
                    }
                }
            }
        }
        if (count != -1) {
            return found;
        }
        return found.isEmpty() ? CommandExecutor.NONE : found.get(0);
    }

    /** LEFT is the head; anything but LEFT or RIGHT is a syntax error. */
    static boolean end(byte[] arg) {
        if (Args.is(arg, "left")) {
            return true;
        }
        if (Args.is(arg, "right")) {
            return false;
        }
        throw Args.syntaxError();
    }

    static Object lmove(Mutations keys, byte[] from, byte[] to, boolean fromHead, boolean toHead) {
        ListValue source = keys.get(from, ListValue.class);
        if (source == null) {
            return CommandExecutor.NONE;
        }
        keys.get(to, ListValue.class);
        byte[] element;
        if (Args.same(from, to) && source.size() == 1) {
            // Popping the only element would delete the key, and its deadline with it; the list ends the same.
            element = source.get(0);
        }
        else {
            element = keys.listPop(from, fromHead);
            keys.listPush(to, toHead, element);
        }
        keys.keyspaceEvent('l', toHead ? "lpush" : "rpush", to);
        keys.keyspaceEvent('l', fromHead ? "lpop" : "rpop", from);
        return element;
    }

    static Object lmpop(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        MultiPop pop = MultiPop.parse(args, "left", "right");
        boolean head = pop.first();
        long count = pop.count();
        for (int i = 2; i < pop.keysEnd(); i++) {
            byte[] key = args.get(i);
            ListValue list = keys.get(key, ListValue.class);
            if (list == null) {
                continue;
            }
            long popped = Math.min(count, list.size());
            List<Object> elements = new ArrayList<>((int) popped);
            for (long j = 0; j < popped; j++) {
                elements.add(keys.listPop(key, head));
            }
            keys.keyspaceEvent('l', head ? "lpop" : "rpop", key);
            return List.of(key, elements);
        }
        return CommandExecutor.NULL_ARRAY;
    }
}
