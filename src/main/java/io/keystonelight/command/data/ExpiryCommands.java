package io.keystonelight.command.data;

import java.util.List;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.Mutations;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/**
 * Deadlines, as Redis 7.0 sets and reads them: {@code EXPIRE} and its relatives, {@code TTL} and
 * its relatives, {@code PERSIST}, and the string writes that set one ({@code SET} with options,
 * {@code SETEX}, {@code PSETEX}, {@code GETEX}). A deadline is fixed as an absolute Unix time in
 * milliseconds when the command runs.
 */
final class ExpiryCommands {

    private ExpiryCommands() {
    }

    static void register() {
        write("expire", -3, 1, 1, 1, (keys, args) -> expire((Mutations) keys, args, "expire", 1000, false));
        write("pexpire", -3, 1, 1, 1, (keys, args) -> expire((Mutations) keys, args, "pexpire", 1, false));
        write("expireat", -3, 1, 1, 1, (keys, args) -> expire((Mutations) keys, args, "expireat", 1000, true));
        write("pexpireat", -3, 1, 1, 1, (keys, args) -> expire((Mutations) keys, args, "pexpireat", 1, true));
        read("ttl", 2, 1, 1, 1, (keys, args) -> ttl(keys, args.get(1), false, false));
        read("pttl", 2, 1, 1, 1, (keys, args) -> ttl(keys, args.get(1), true, false));
        read("expiretime", 2, 1, 1, 1, (keys, args) -> ttl(keys, args.get(1), false, true));
        read("pexpiretime", 2, 1, 1, 1, (keys, args) -> ttl(keys, args.get(1), true, true));
        write("persist", 2, 1, 1, 1, (keys, args) -> persist((Mutations) keys, args.get(1)) ? 1L : 0L);
        write("setex", 4, 1, 1, 1, (keys, args) -> setWithTimeout((Mutations) keys, args, "setex", 1000));
        write("psetex", 4, 1, 1, 1, (keys, args) -> setWithTimeout((Mutations) keys, args, "psetex", 1));
        write("getex", -2, 1, 1, 1, ExpiryCommands::getex);
        write("set", -3, 1, 1, 1, ExpiryCommands::set);
    }

    private static Object expire(Mutations keys, List<byte[]> args, String name, long unit, boolean absolute) {
        long amount = Args.integer(args.get(2));
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int i = 3; i < args.size(); i++) {
            String option = Args.lower(args.get(i));
            switch (option) {
                case "nx" -> nx = true;
                case "xx" -> xx = true;
                case "gt" -> gt = true;
                case "lt" -> lt = true;
                default -> throw Args.error("Unsupported option " + Args.text(args.get(i)));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw Args.error("NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            throw Args.error("GT and LT options at the same time are not compatible");
        }
        long deadline = deadline(keys.now(), amount, unit, absolute, name);
        byte[] key = args.get(1);
        if (keys.value(key) == null) {
            return 0L;
        }
        long current = keys.deadline(key);
        if (nx && current != 0 || xx && current == 0) {
            return 0L;
        }
        // No deadline counts as an infinite one.
        if (gt && (current == 0 || deadline <= current) || lt && current != 0 && deadline >= current) {
            return 0L;
        }
        expireAt(keys, key, deadline);
        return 1L;
    }

    /** A deadline already past deletes the key, and Redis says so as a {@code del}. */
    private static void expireAt(Mutations keys, byte[] key, long deadline) {
        keys.expireAt(key, deadline);
        keys.keyspaceEvent('g', deadline <= keys.now() ? "del" : "expire", key);
    }

    static boolean persist(Mutations keys, byte[] key) {
        if (!keys.persist(key)) {
            return false;
        }
        keys.keyspaceEvent('g', "persist", key);
        return true;
    }

    /** The absolute deadline; Redis's wording when it overflows. */
    static long deadline(long now, long amount, long unit, boolean absolute, String name) {
        try {
            long millis = Math.multiplyExact(amount, unit);
            return absolute ? millis : Math.addExact(millis, now);
        }
        catch (ArithmeticException ex) {
            throw Args.error("invalid expire time in '" + name + "' command");
        }
    }

    private static Object ttl(Keyspace keys, byte[] key, boolean millis, boolean absolute) {
        if (keys.value(key) == null) {
            return -2L;
        }
        long deadline = keys.deadline(key);
        if (deadline == 0) {
            return -1L;
        }
        if (absolute) {
            return millis ? deadline : (deadline + 500) / 1000;
        }
        long left = Math.max(0, deadline - keys.now());
        return millis ? left : (left + 500) / 1000;
    }

    private static Object setWithTimeout(Mutations keys, List<byte[]> args, String name, long unit) {
        long amount = Args.integer(args.get(2));
        if (amount <= 0) {
            throw Args.error("invalid expire time in '" + name + "' command");
        }
        long deadline = deadline(keys.now(), amount, unit, false, name);
        keys.setString(args.get(1), args.get(3), deadline);
        keys.keyspaceEvent('$', "set", args.get(1));
        keys.keyspaceEvent('g', "expire", args.get(1));
        return CommandExecutor.OK;
    }

    /** {@code GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]}. */
    private static Object getex(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        byte[] key = args.get(1);
        long deadline = -1;
        boolean persist = false;
        for (int i = 2; i < args.size(); i++) {
            String option = Args.lower(args.get(i));
            boolean hasValue = i + 1 < args.size();
            if (option.equals("persist") && deadline == -1 && !persist) {
                persist = true;
            }
            else if ((option.equals("ex") || option.equals("px") || option.equals("exat") || option.equals("pxat"))
                    && hasValue && deadline == -1 && !persist) {
                long amount = Args.integer(args.get(++i));
                if (amount <= 0) {
                    throw Args.error("invalid expire time in 'getex' command");
                }
                deadline = deadline(keys.now(), amount, option.startsWith("e") ? 1000 : 1, option.endsWith("at"),
                        "getex");
            }
            else {
                throw Args.syntaxError();
            }
        }
        byte[] value = keys.string(key);
        if (value == null) {
            return CommandExecutor.NONE;
        }
        if (persist) {
            persist(keys, key);
        }
        else if (deadline != -1) {
            expireAt(keys, key, deadline);
        }
        return value;
    }

    /** {@code SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]}. */
    private static Object set(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        byte[] key = args.get(1);
        boolean nx = false;
        boolean xx = false;
        boolean get = false;
        boolean keepTtl = false;
        long deadline = 0;
        boolean expiring = false;
        for (int i = 3; i < args.size(); i++) {
            String option = Args.lower(args.get(i));
            boolean hasValue = i + 1 < args.size();
            switch (option) {
                case "nx" -> {
                    if (xx) {
                        throw Args.syntaxError();
                    }
                    nx = true;
                }
                case "xx" -> {
                    if (nx) {
                        throw Args.syntaxError();
                    }
                    xx = true;
                }
                case "get" -> get = true;
                case "keepttl" -> {
                    if (expiring) {
                        throw Args.syntaxError();
                    }
                    keepTtl = true;
                }
                case "ex", "px", "exat", "pxat" -> {
                    if (expiring || keepTtl || !hasValue) {
                        throw Args.syntaxError();
                    }
                    long amount = Args.integer(args.get(++i));
                    if (amount <= 0) {
                        throw Args.error("invalid expire time in 'set' command");
                    }
                    deadline = deadline(keys.now(), amount, option.startsWith("e") ? 1000 : 1, option.endsWith("at"),
                            "set");
                    expiring = true;
                }
                default -> throw Args.syntaxError();
            }
        }
        byte[] previous = get ? keys.string(key) : null;
        boolean present = (nx || xx) && (previous != null || keys.value(key) != null);
        if (nx && present || xx && !present) {
            return get ? orNone(previous) : CommandExecutor.NONE;
        }
        keys.setString(key, args.get(2), keepTtl ? Mutations.KEEP_DEADLINE : deadline);
        keys.keyspaceEvent('$', "set", key);
        if (expiring) {
            keys.keyspaceEvent('g', "expire", key);
        }
        return get ? orNone(previous) : CommandExecutor.OK;
    }

    private static Object orNone(byte[] value) {
        return value == null ? CommandExecutor.NONE : value;
    }
}
