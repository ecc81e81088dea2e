package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.keystonelight.command.Command;
import io.keystonelight.command.Transaction;
import io.keystonelight.command.TransactionCommand;
import io.keystonelight.command.data.DataCommand;
import io.keystonelight.command.data.DataCommands;
import io.keystonelight.command.data.DataRequest;
import io.keystonelight.store.Keys;
import io.keystonelight.store.Write;

/**
 * Turns the arguments of one RESP request into a {@link Command}: the shared records where a
 * request means the same as in the text protocol, {@link RespCommand}s otherwise, and a
 * {@link Command.Invalid} worded as Redis words it when the request is wrong (its arity, its
 * syntax, an option this server does not have).
 */
final class RespCommandParser {

    private RespCommandParser() {
    }

    static Command parse(List<byte[]> args) {
        int argc = args.size();
        byte[] first = args.get(0);
        try {
            // Plain GET and SET, most requests by far, are told by their name's bytes: no name
            // String is made for them.
            if (argc == 2 && isName(first, 'g', 'e', 't')) {
                return new Command.Get(key(args.get(1)));
            }
            if (argc == 3 && isName(first, 's', 'e', 't')) {
                return new Command.Set(key(args.get(1)), args.get(2));
            }
        }
        catch (Refusal refusal) {
            return new Command.Invalid(refusal.getMessage());
        }
        String name = lowerAscii(first);
        try {
            DataCommand data = DataCommands.lookup(name);
            // A plain SET keeps the shared path (and the text protocol's record form); with options it is the data command.
            if (data != null && !(argc == 3 && name.equals("set"))) {
                return dataRequest(data, args);
            }
            return switch (name) {
                case "get" -> {
                    arity(name, argc, 2);
                    yield new Command.Get(key(args.get(1)));
                }
                case "set" -> {
                    atLeast(name, argc, 3);
                    yield set(args);
                }
                case "setnx" -> {
                    arity(name, argc, 3);
                    yield new RespCommand.SetIfAbsent(key(args.get(1)), args.get(2));
                }
                case "getdel" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.GetDel(key(args.get(1)));
                }
                case "mget" -> {
                    atLeast(name, argc, 2);
                    yield new RespCommand.MultiGet(keys(args, 1));
                }
                case "mset" -> {
                    if (argc < 3 || argc % 2 == 0) {
                        throw wrongArguments(name);
                    }
                    List<byte[]> keys = new ArrayList<>(argc / 2);
                    List<byte[]> values = new ArrayList<>(argc / 2);
                    for (int i = 1; i < argc; i += 2) {
                        keys.add(key(args.get(i)));
                        values.add(args.get(i + 1));
                    }
                    yield new RespCommand.MultiSet(keys, values);
                }
                case "del", "unlink" -> {
                    atLeast(name, argc, 2);
                    yield new Command.Delete(keys(args, 1));
                }
                case "exists" -> {
                    atLeast(name, argc, 2);
                    yield new RespCommand.Exists(keys(args, 1));
                }
                case "incr" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.IncrementBy(key(args.get(1)), 1);
                }
                case "decr" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.IncrementBy(key(args.get(1)), -1);
                }
                case "incrby" -> {
                    arity(name, argc, 3);
                    yield new RespCommand.IncrementBy(key(args.get(1)), integer(args.get(2)));
                }
                case "decrby" -> {
                    arity(name, argc, 3);
                    long delta = integer(args.get(2));
                    if (delta == Long.MIN_VALUE) {
                        throw new Refusal("decrement would overflow");
                    }
                    yield new RespCommand.IncrementBy(key(args.get(1)), -delta);
                }
                case "append" -> {
                    arity(name, argc, 3);
                    yield new RespCommand.Append(key(args.get(1)), args.get(2));
                }
                case "strlen" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.StrLen(key(args.get(1)));
                }
                case "type" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.Type(key(args.get(1)));
                }
                case "dbsize" -> {
                    arity(name, argc, 1);
                    yield new RespCommand.DbSize();
                }
                case "keys" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.Keys(args.get(1));
                }
                case "scan" -> {
                    atLeast(name, argc, 2);
                    yield scan(args);
                }
                case "flushdb", "flushall" -> {
                    if (argc > 2) {
                        throw syntaxError();
                    }
                    if (argc == 2) {
                        String mode = lowerAscii(args.get(1));
                        if (!mode.equals("sync") && !mode.equals("async")) {
                            throw syntaxError();
                        }
                    }
                    yield new RespCommand.FlushDb();
                }
                case "info" -> {
                    java.util.Set<String> sections = new java.util.HashSet<>();
                    for (byte[] section : args.subList(1, argc)) {
                        sections.add(lowerAscii(section));
                    }
                    yield new RespCommand.Info(sections);
                }
                case "select" -> {
                    arity(name, argc, 2);
                    long index = integer(args.get(1));
                    if (index != 0) {
                        throw new Refusal("DB index is out of range: this server has one database, 0");
                    }
                    yield new RespCommand.Select(index);
                }
                case "auth" -> {
                    atLeast(name, argc, 2);
                    if (argc > 3) {
                        throw syntaxError();
                    }
                    yield argc == 2 ? new Command.Auth(null, args.get(1))
                            : new Command.Auth(text(args.get(1)), args.get(2));
                }
                case "hello" -> hello(args);
                case "client" -> {
                    atLeast(name, argc, 2);
                    yield client(args);
                }
                case "command" -> command(args);
                case "config" -> {
                    atLeast(name, argc, 2);
                    yield config(args);
                }
                case "bgrewriteaof" -> {
                    arity(name, argc, 1);
                    yield new RespCommand.BackgroundRewrite();
                }
                case "time" -> {
                    arity(name, argc, 1);
                    yield new RespCommand.Time();
                }
                case "lastsave" -> {
                    arity(name, argc, 1);
                    yield new RespCommand.LastSave();
                }
                case "ping" -> {
                    if (argc > 2) {
                        throw wrongArguments(name);
                    }
                    yield new Command.Ping(argc == 2 ? args.get(1) : null);
                }
                case "echo" -> {
                    arity(name, argc, 2);
                    yield new RespCommand.Echo(args.get(1));
                }
                case "quit" -> new Command.Quit();
                case "multi" -> {
                    arity(name, argc, 1);
                    yield new TransactionCommand.Multi();
                }
                case "exec" -> argc == 1 ? new TransactionCommand.Exec(List.of())
                        : new Transaction.Aborted("wrong number of arguments for 'exec' command");
                case "discard" -> {
                    arity(name, argc, 1);
                    yield new TransactionCommand.Discard();
                }
                case "watch" -> {
                    atLeast(name, argc, 2);
                    yield new TransactionCommand.Watch(keys(args, 1));
                }
                case "unwatch" -> {
                    arity(name, argc, 1);
                    yield new TransactionCommand.Unwatch();
                }
                case "subscribe", "psubscribe" -> {
                    atLeast(name, argc, 2);
                    yield new RespCommand.Subscribe(args.subList(1, argc), name.charAt(0) == 'p');
                }
                case "unsubscribe", "punsubscribe" -> new RespCommand.Unsubscribe(args.subList(1, argc),
                        name.charAt(0) == 'p');
                case "publish" -> {
                    arity(name, argc, 3);
                    yield new RespCommand.Publish(args.get(1), args.get(2));
                }
                case "pubsub" -> {
                    atLeast(name, argc, 2);
                    yield pubsub(args);
                }
                default -> unsupportedOrUnknown(name, args);
            };
        }
        catch (Refusal refusal) {
            return new Command.Invalid(refusal.getMessage());
        }
    }

    private static Command dataRequest(DataCommand data, List<byte[]> args) {
        int argc = args.size();
        if (!data.arityFits(argc)) {
            throw wrongArguments(data.name());
        }
        if (data.firstKey() > 0) {
            int last = data.lastKeyIndex(argc);
            for (int i = data.firstKey(); i <= last && i < argc; i += data.step()) {
                key(args.get(i));
            }
        }
        return new DataRequest(data, args);
    }

    /** The commands of Redis this server knows not to have, each with its own reason, rather than "unknown". */
    private static final java.util.Map<String, String> NOT_SUPPORTED = notSupported();

    private static java.util.Map<String, String> notSupported() {
        java.util.Map<String, String> reasons = new java.util.HashMap<>();
        reason(reasons, "scripting and functions are not supported by this server", "eval", "evalsha", "eval_ro",
                "evalsha_ro", "script", "fcall", "fcall_ro", "function");
        reason(reasons, "streams are not supported by this server", "xadd", "xrange", "xrevrange", "xlen", "xread",
                "xreadgroup", "xgroup", "xack", "xpending", "xclaim", "xautoclaim", "xdel", "xtrim", "xinfo", "xsetid");
        reason(reasons, "geo commands are not supported by this server", "geoadd", "geodist", "geohash", "geopos",
                "georadius", "georadiusbymember", "georadius_ro", "georadiusbymember_ro", "geosearch",
                "geosearchstore");
        reason(reasons, "HyperLogLog is not supported by this server", "pfadd", "pfcount", "pfmerge", "pfdebug",
                "pfselftest");
        reason(reasons, "modules are not supported by this server", "module");
        reason(reasons, "this server has one database, 0", "move", "swapdb");
        reason(reasons, "replication is not supported over RESP: this server replicates through Raft in cluster "
                + "mode (keystonelight.cluster.*)", "replicaof", "slaveof", "sync", "psync", "replconf", "wait",
                "failover");
        reason(reasons, "Redis Cluster commands are not supported: this server's cluster mode is its own, on Raft",
                "cluster", "readonly", "readwrite", "asking");
        reason(reasons, "every write is already in the data file before it is answered; BGREWRITEAOF compacts it",
                "save", "bgsave");
        reason(reasons, "the server is stopped with SIGTERM (or Ctrl-C), not over the wire", "shutdown");
        reason(reasons, "sharded pub/sub belongs to Redis Cluster; SUBSCRIBE and PUBLISH work here",
                "ssubscribe", "sunsubscribe", "spublish");
        reason(reasons, "MONITOR is not supported yet", "monitor");
        reason(reasons, "BITFIELD is not supported yet", "bitfield", "bitfield_ro");
        return java.util.Map.copyOf(reasons);
    }

    private static void reason(java.util.Map<String, String> reasons, String reason, String... commands) {
        for (String command : commands) {
            reasons.put(command, reason);
        }
    }

    private static Command unsupportedOrUnknown(String name, List<byte[]> args) {
        String reason = NOT_SUPPORTED.get(name);
        if (reason != null && DataCommands.lookup(name) == null) {
            return new Command.Invalid("'" + name + "' is not supported: " + reason);
        }
        StringBuilder shown = new StringBuilder();
        for (int i = 1; i < args.size() && shown.length() < 128; i++) {
            String arg = text(args.get(i));
            int room = 128 - shown.length();
            shown.append('\'').append(arg, 0, Math.min(arg.length(), room)).append("' ");
        }
        String command = text(args.get(0));
        return new Command.Invalid(sanitize("unknown command '" + command.substring(0, Math.min(128,
                command.length())) + "', with args beginning with: " + shown));
    }

    private static Command set(List<byte[]> args) {
        byte[] key = key(args.get(1));
        byte[] value = args.get(2);
        if (args.size() == 3) {
            return new Command.Set(key, value);
        }
        Write.Condition condition = Write.Condition.ALWAYS;
        boolean get = false;
        for (int i = 3; i < args.size(); i++) {
            String option = lowerAscii(args.get(i));
            switch (option) {
                case "nx" -> {
                    if (condition == Write.Condition.IF_PRESENT) {
                        throw syntaxError();
                    }
                    condition = Write.Condition.IF_ABSENT;
                }
                case "xx" -> {
                    if (condition == Write.Condition.IF_ABSENT) {
                        throw syntaxError();
                    }
                    condition = Write.Condition.IF_PRESENT;
                }
                case "get" -> get = true;
                // No key expires here, so there is never a TTL to keep.
                case "keepttl" -> {
                }
                case "ex", "px", "exat", "pxat" -> throw new Refusal("SET option '" + option.toUpperCase(Locale.ROOT)
                        + "' is not supported: keys on this server do not expire");
                default -> throw syntaxError();
            }
        }
        return new RespCommand.SetWithOptions(key, value, condition, get);
    }

    private static Command scan(List<byte[]> args) {
        long cursor = unsigned(args.get(1));
        if (cursor < 0) {
            throw new Refusal("invalid cursor");
        }
        byte[] pattern = null;
        String type = null;
        int count = 10;
        for (int i = 2; i < args.size(); i++) {
            String option = lowerAscii(args.get(i));
            boolean hasValue = i + 1 < args.size();
            if (option.equals("match") && hasValue) {
                pattern = args.get(++i);
            }
            else if (option.equals("count") && hasValue) {
                long n = integer(args.get(++i));
                if (n < 1) {
                    throw syntaxError();
                }
                count = (int) Math.min(n, Integer.MAX_VALUE);
            }
            else if (option.equals("type") && hasValue) {
                type = lowerAscii(args.get(++i));
            }
            else {
                throw syntaxError();
            }
        }
        return new RespCommand.Scan(cursor, pattern, count, type);
    }

    private static Command hello(List<byte[]> args) {
        long version = 0;
        if (args.size() >= 2) {
            version = integerOr(args.get(1), "Protocol version is not an integer or out of range");
            if (version != 2 && version != 3) {
                return new RespCommand.Refused("NOPROTO", "unsupported protocol version");
            }
        }
        String user = null;
        byte[] password = null;
        byte[] name = null;
        for (int i = 2; i < args.size(); i++) {
            String option = lowerAscii(args.get(i));
            int more = args.size() - 1 - i;
            if (option.equals("auth") && more >= 2) {
                user = text(args.get(i + 1));
                password = args.get(i + 2);
                i += 2;
            }
            else if (option.equals("setname") && more >= 1) {
                name = args.get(++i);
            }
            else {
                throw new Refusal(sanitize("Syntax error in HELLO option '" + text(args.get(i)) + "'"));
            }
        }
        return new RespCommand.Hello(version, user, password, name);
    }

    private static Command pubsub(List<byte[]> args) {
        String sub = lowerAscii(args.get(1));
        int argc = args.size();
        switch (sub) {
            case "channels" -> {
                if (argc > 3) {
                    throw wrongArguments("pubsub|channels");
                }
            }
            case "numsub" -> {
            }
            case "numpat" -> arity("pubsub|numpat", argc, 2);
            default -> throw new Refusal(unknownSubcommand(args.get(1), "PUBSUB"));
        }
        return new RespCommand.PubSubInfo(sub, args.subList(2, argc));
    }

    private static Command client(List<byte[]> args) {
        String sub = lowerAscii(args.get(1));
        int argc = args.size();
        switch (sub) {
            case "setname" -> arity("client|setname", argc, 3);
            case "getname" -> arity("client|getname", argc, 2);
            case "id" -> arity("client|id", argc, 2);
            case "setinfo" -> {
                arity("client|setinfo", argc, 4);
                String attribute = lowerAscii(args.get(2));
                if (!attribute.equals("lib-name") && !attribute.equals("lib-ver")) {
                    throw new Refusal(sanitize("Unrecognized option '" + text(args.get(2)) + "'"));
                }
            }
            case "info" -> arity("client|info", argc, 2);
            case "unpause" -> arity("client|unpause", argc, 2);
            case "pause" -> {
                atLeast("client|pause", argc, 3);
                if (argc > 4) {
                    throw new Refusal(sanitize("unknown subcommand or wrong number of arguments for '"
                            + text(args.get(1)) + "'. Try CLIENT HELP."));
                }
                long timeout = integerOr(args.get(2), "timeout is not an integer or out of range");
                if (timeout < 0) {
                    throw new Refusal("timeout is negative");
                }
                if (argc == 4 && !List.of("write", "all").contains(lowerAscii(args.get(3)))) {
                    throw new Refusal("CLIENT PAUSE mode must be WRITE or ALL");
                }
            }
            case "list" -> clientList(args);
            case "kill" -> clientKill(args);
            case "no-evict" -> {
                arity("client|no-evict", argc, 3);
                oneOf(args.get(2), "on", "off");
            }
            case "reply" -> {
                arity("client|reply", argc, 3);
                oneOf(args.get(2), "on", "off", "skip");
            }
            default -> throw new Refusal(unknownSubcommand(args.get(1), "CLIENT"));
        }
        return new RespCommand.Client(sub, args.subList(2, argc));
    }

    /** {@code CLIENT LIST [TYPE type | ID id...]}, checked as Redis 7.0 checks it. */
    private static void clientList(List<byte[]> args) {
        int argc = args.size();
        if (argc == 2) {
            return;
        }
        String option = lowerAscii(args.get(2));
        if (argc == 4 && option.equals("type")) {
            clientType(args.get(3));
        }
        else if (argc > 3 && option.equals("id")) {
            for (int i = 3; i < argc; i++) {
                if (parseLong(args.get(i)) == null) {
                    throw new Refusal("Invalid client ID");
                }
            }
        }
        else {
            throw syntaxError();
        }
    }

    /** {@code CLIENT KILL ip:port}, or its filters in pairs: ID, TYPE, USER, ADDR, LADDR, SKIPME. */
    private static void clientKill(List<byte[]> args) {
        int argc = args.size();
        atLeast("client|kill", argc, 3);
        if (argc == 3) {
            return;
        }
        for (int i = 2; i < argc; i += 2) {
            String filter = lowerAscii(args.get(i));
            if (i + 1 >= argc) {
                throw syntaxError();
            }
            byte[] value = args.get(i + 1);
            switch (filter) {
                case "id" -> {
                    Long id = parseLong(value);
                    if (id == null || id < 1) {
                        throw new Refusal("client-id should be greater than 0");
                    }
                }
                case "type" -> clientType(value);
                case "user" -> {
                    if (!text(value).equals("default")) {
                        throw new Refusal(sanitize("No such user '" + text(value) + "'"));
                    }
                }
                case "skipme" -> oneOf(value, "yes", "no");
                case "addr", "laddr" -> {
                }
                default -> throw syntaxError();
            }
        }
    }

    private static void clientType(byte[] type) {
        String name = lowerAscii(type);
        if (!List.of("normal", "pubsub", "master", "replica", "slave").contains(name)) {
            throw new Refusal(sanitize("Unknown client type '" + text(type) + "'"));
        }
    }

    private static void oneOf(byte[] arg, String... allowed) {
        if (!List.of(allowed).contains(lowerAscii(arg))) {
            throw syntaxError();
        }
    }

    private static Command command(List<byte[]> args) {
        if (args.size() == 1) {
            return new RespCommand.CommandInfo("");
        }
        String sub = lowerAscii(args.get(1));
        return switch (sub) {
            case "count" -> {
                arity("command|count", args.size(), 2);
                yield new RespCommand.CommandInfo(sub);
            }
            case "docs" -> new RespCommand.CommandInfo(sub);
            default -> throw new Refusal(unknownSubcommand(args.get(1), "COMMAND"));
        };
    }

    private static Command config(List<byte[]> args) {
        String sub = lowerAscii(args.get(1));
        switch (sub) {
            case "get" -> atLeast("config|get", args.size(), 3);
            case "set" -> {
                atLeast("config|set", args.size(), 4);
                if (args.size() % 2 != 0) {
                    throw syntaxError();
                }
            }
            case "resetstat", "rewrite", "help" -> arity("config|" + sub, args.size(), 2);
            default -> throw new Refusal(unknownSubcommand(args.get(1), "CONFIG"));
        }
        return new RespCommand.Config(sub, args.subList(2, args.size()));
    }

    private static String unknownSubcommand(byte[] sub, String command) {
        String text = text(sub);
        return sanitize("unknown subcommand '" + text.substring(0, Math.min(128, text.length())) + "'. Try "
                + command + " HELP.");
    }

    // ---- arguments

    private static byte[] key(byte[] key) {
        if (key.length == 0 || key.length > Keys.MAX_KEY_BYTES) {
            throw new Refusal("invalid key: a key is 1 to " + Keys.MAX_KEY_BYTES + " bytes, this one is "
                    + key.length);
        }
        return key;
    }

    private static List<byte[]> keys(List<byte[]> args, int from) {
        List<byte[]> keys = new ArrayList<>(args.size() - from);
        for (int i = from; i < args.size(); i++) {
            keys.add(key(args.get(i)));
        }
        return keys;
    }

    private static long integer(byte[] arg) {
        return integerOr(arg, "value is not an integer or out of range");
    }

    private static long integerOr(byte[] arg, String error) {
        Long value = parseLong(arg);
        if (value == null) {
            throw new Refusal(error);
        }
        return value;
    }

    /** A cursor: a decimal number from 0 up; -1 if it is not one. */
    private static long unsigned(byte[] arg) {
        Long value = parseLong(arg);
        return value == null || value < 0 ? -1 : value;
    }

    /** A decimal as Redis's {@code string2ll} takes it (no sign but '-', no leading zeros, no spaces). */
    static Long parseLong(byte[] arg) {
        return io.keystonelight.command.data.Args.parseLong(arg);
    }

    private static void arity(String name, int argc, int expected) {
        if (argc != expected) {
            throw wrongArguments(name);
        }
    }

    private static void atLeast(String name, int argc, int minimum) {
        if (argc < minimum) {
            throw wrongArguments(name);
        }
    }

    private static Refusal wrongArguments(String name) {
        return new Refusal("wrong number of arguments for '" + name + "' command");
    }

    private static Refusal syntaxError() {
        return new Refusal("syntax error");
    }

    /** Whether {@code bytes} is the three-letter name {@code a b c} (lower case) in any case. */
    private static boolean isName(byte[] bytes, char a, char b, char c) {
        return bytes.length == 3 && (bytes[0] | 0x20) == a && (bytes[1] | 0x20) == b && (bytes[2] | 0x20) == c;
    }

    static String lowerAscii(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            chars[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        return new String(chars);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** As Redis: an error line may not hold CR or LF. */
    private static String sanitize(String message) {
        return message.replace('\r', ' ').replace('\n', ' ');
    }

    /** A request refused while it was parsed; its message is the reply's. */
    private static final class Refusal extends RuntimeException {

        Refusal(String message) {
            super(message, null, false, false);
        }
    }
}
