package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;

/** What {@code COMMAND} says about each command this server has, in Redis's layout. */
final class CommandTable {

    /**
     * @param arity the argument count with the name; negative: at least that many
     * @param firstKey position of the first key, 0 if none
     */
    record Entry(String name, int arity, List<String> flags, int firstKey, int lastKey, int step) {
    }

    private static final List<String> WRITE = List.of("write", "denyoom");

    private static final List<String> READ = List.of("readonly", "fast");

    private static final List<String> FAST = List.of("fast");

    static final List<Entry> COMMANDS = List.of(
            new Entry("get", 2, READ, 1, 1, 1),
            new Entry("set", -3, WRITE, 1, 1, 1),
            new Entry("setnx", 3, WRITE, 1, 1, 1),
            new Entry("getdel", 2, List.of("write", "fast"), 1, 1, 1),
            new Entry("mget", -2, READ, 1, -1, 1),
            new Entry("mset", -3, WRITE, 1, -1, 2),
            new Entry("del", -2, List.of("write"), 1, -1, 1),
            new Entry("unlink", -2, List.of("write", "fast"), 1, -1, 1),
            new Entry("exists", -2, READ, 1, -1, 1),
            new Entry("incr", 2, WRITE, 1, 1, 1),
            new Entry("incrby", 3, WRITE, 1, 1, 1),
            new Entry("decr", 2, WRITE, 1, 1, 1),
            new Entry("decrby", 3, WRITE, 1, 1, 1),
            new Entry("append", 3, WRITE, 1, 1, 1),
            new Entry("strlen", 2, READ, 1, 1, 1),
            new Entry("type", 2, READ, 1, 1, 1),
            new Entry("dbsize", 1, READ, 0, 0, 0),
            new Entry("keys", 2, List.of("readonly"), 0, 0, 0),
            new Entry("scan", -2, List.of("readonly"), 0, 0, 0),
            new Entry("flushdb", -1, List.of("write"), 0, 0, 0),
            new Entry("flushall", -1, List.of("write"), 0, 0, 0),
            new Entry("info", -1, List.of("loading", "stale"), 0, 0, 0),
            new Entry("select", 2, List.of("loading", "stale", "fast"), 0, 0, 0),
            new Entry("auth", -2, List.of("noscript", "loading", "stale", "fast", "no_auth"), 0, 0, 0),
            new Entry("hello", -1, List.of("noscript", "loading", "stale", "fast", "no_auth"), 0, 0, 0),
            new Entry("client", -2, List.of(), 0, 0, 0),
            new Entry("command", -1, List.of("loading", "stale"), 0, 0, 0),
            new Entry("config", -2, List.of(), 0, 0, 0),
            new Entry("bgrewriteaof", 1, List.of("noscript"), 0, 0, 0),
            new Entry("time", 1, List.of("loading", "stale", "fast"), 0, 0, 0),
            new Entry("lastsave", 1, List.of("loading", "stale", "fast"), 0, 0, 0),
            new Entry("ping", -1, FAST, 0, 0, 0),
            new Entry("echo", 2, FAST, 0, 0, 0),
            new Entry("quit", -1, List.of("noscript", "loading", "stale", "fast", "no_auth"), 0, 0, 0));

    private CommandTable() {
    }

    /** {@link #describeAll()}'s arrays as RESP3 has them: flags, ACL categories and tips are sets. */
    static List<Object> resp3(List<?> described) {
        List<Object> all = new ArrayList<>(described.size());
        for (Object command : described) {
            List<Object> fields = new ArrayList<>((List<?>) command);
            for (int set : new int[] { 2, 6, 7 }) {
                fields.set(set, io.keystonelight.command.Resp3.set(fields.get(set)));
            }
            all.add(fields);
        }
        return all;
    }

    /** The reply to {@code COMMAND}: one array per command. */
    static List<Object> describeAll() {
        List<Object> all = new ArrayList<>(COMMANDS.size());
        for (Entry entry : COMMANDS) {
            List<Object> flags = new ArrayList<>();
            for (String flag : entry.flags()) {
                flags.add(new RespProtocol.Status(flag));
            }
            all.add(List.of(entry.name(), (long) entry.arity(), flags, (long) entry.firstKey(), (long) entry.lastKey(),
                    (long) entry.step(), List.of(), List.of(), List.of(), List.of()));
        }
        return all;
    }
}
