package io.keystonelight.command.data;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.protocol.resp.Glob;
import io.keystonelight.store.HashValue;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.Mutations;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/** Hashes, as Redis 7.0 has them. */
final class HashCommands {

    private HashCommands() {
    }

    static void register() {
        write("hset", -4, 1, 1, 1, (keys, args) -> hset((Mutations) keys, args, "hset"));
        write("hmset", -4, 1, 1, 1, (keys, args) -> {
            hset((Mutations) keys, args, "hmset");
            return CommandExecutor.OK;
        });
        write("hsetnx", 4, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            HashValue hash = m.get(args.get(1), HashValue.class);
            if (hash != null && hash.contains(args.get(2))) {
                return 0L;
            }
            m.hashSet(args.get(1), args.get(2), args.get(3));
            m.keyspaceEvent('h', "hset", args.get(1));
            return 1L;
        });
        read("hget", 3, 1, 1, 1, (keys, args) -> {
            HashValue hash = keys.get(args.get(1), HashValue.class);
            byte[] value = hash == null ? null : hash.get(args.get(2));
            return value == null ? CommandExecutor.NONE : value;
        });
        read("hmget", -3, 1, 1, 1, (keys, args) -> {
            HashValue hash = keys.get(args.get(1), HashValue.class);
            List<Object> values = new ArrayList<>(args.size() - 2);
            for (int i = 2; i < args.size(); i++) {
                byte[] value = hash == null ? null : hash.get(args.get(i));
                values.add(value == null ? CommandExecutor.NONE : value);
            }
            return values;
        });
        write("hdel", -3, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            if (m.get(args.get(1), HashValue.class) == null) {
                return 0L;
            }
            long deleted = 0;
            for (int i = 2; i < args.size(); i++) {
                if (m.hashDelete(args.get(1), args.get(i))) {
                    deleted++;
                }
            }
            if (deleted > 0) {
                m.keyspaceEvent('h', "hdel", args.get(1));
            }
            return deleted;
        });
        read("hexists", 3, 1, 1, 1, (keys, args) -> {
            HashValue hash = keys.get(args.get(1), HashValue.class);
            return hash != null && hash.contains(args.get(2)) ? 1L : 0L;
        });
        read("hlen", 2, 1, 1, 1, (keys, args) -> {
            HashValue hash = keys.get(args.get(1), HashValue.class);
            return hash == null ? 0L : (long) hash.size();
        });
        read("hstrlen", 3, 1, 1, 1, (keys, args) -> {
            HashValue hash = keys.get(args.get(1), HashValue.class);
            byte[] value = hash == null ? null : hash.get(args.get(2));
            return value == null ? 0L : (long) value.length;
        });
        read("hkeys", 2, 1, 1, 1, (keys, args) -> all(keys, args.get(1), true, false));
        read("hvals", 2, 1, 1, 1, (keys, args) -> all(keys, args.get(1), false, true));
        read("hgetall", 2, 1, 1, 1, (keys, args) -> all(keys, args.get(1), true, true));
        write("hincrby", 4, 1, 1, 1, HashCommands::hincrby);
        write("hincrbyfloat", 4, 1, 1, 1, HashCommands::hincrbyfloat);
        read("hrandfield", -2, 1, 1, 1, HashCommands::hrandfield);
        read("hscan", -3, 1, 1, 1, HashCommands::hscan);
    }

    private static Object hset(Mutations keys, List<byte[]> args, String name) {
        if (args.size() % 2 != 0) {
            throw Args.error("wrong number of arguments for '" + name + "' command");
        }
        keys.get(args.get(1), HashValue.class);
        long added = 0;
        for (int i = 2; i < args.size(); i += 2) {
            if (keys.hashSet(args.get(1), args.get(i), args.get(i + 1))) {
                added++;
            }
        }
        keys.keyspaceEvent('h', "hset", args.get(1));
        return added;
    }

    private static List<Object> all(Keyspace keys, byte[] key, boolean fields, boolean values) {
        HashValue hash = keys.get(key, HashValue.class);
        List<Object> out = new ArrayList<>();
        if (hash != null) {
            hash.forEach((field, value) -> {
                if (fields) {
                    out.add(field);
                }
                if (values) {
                    out.add(value);
                }
            });
        }
        return out;
    }

    private static Object hincrby(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        long delta = Args.integer(args.get(3));
        HashValue hash = keys.get(args.get(1), HashValue.class);
        byte[] current = hash == null ? null : hash.get(args.get(2));
        long base = 0;
        if (current != null) {
            base = Args.integer(current, "hash value is not an integer");
        }
        long sum;
        try {
            sum = Math.addExact(base, delta);
        }
        catch (ArithmeticException ex) {
            throw Args.error("increment or decrement would overflow");
        }
        keys.hashSet(args.get(1), args.get(2), Args.bytes(sum));
        keys.keyspaceEvent('h', "hincrby", args.get(1));
        return sum;
    }

    private static Object hincrbyfloat(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        BigDecimal delta = Args.parseDecimal(args.get(3), Args.NOT_A_FLOAT, "value is NaN or Infinity");
        HashValue hash = keys.get(args.get(1), HashValue.class);
        byte[] current = hash == null ? null : hash.get(args.get(2));
        BigDecimal base = current == null ? BigDecimal.ZERO : Args.parseDecimal(current, "hash value is not a float",
                "hash value is not a float");
        byte[] result = Args.humanDecimal(Args.longDoubleSum(base, delta));
        keys.hashSet(args.get(1), args.get(2), result);
        keys.keyspaceEvent('h', "hincrbyfloat", args.get(1));
        return result;
    }

    private static Object hrandfield(Keyspace keys, List<byte[]> args) {
        if (args.size() > 4 || args.size() == 4 && !Args.is(args.get(3), "withvalues")) {
            throw Args.syntaxError();
        }
        HashValue hash = keys.get(args.get(1), HashValue.class);
        List<byte[]> fields = hash == null ? List.of() : hash.fields();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (args.size() == 2) {
            return fields.isEmpty() ? CommandExecutor.NONE : fields.get(random.nextInt(fields.size()));
        }
        long count = Args.integer(args.get(2));
        boolean withValues = args.size() == 4;
        List<Object> out = new ArrayList<>();
        if (fields.isEmpty() || count == 0) {
            return out;
        }
        List<byte[]> picked = new ArrayList<>();
        if (count < 0) {
            for (long i = 0; i < -count; i++) {
                picked.add(fields.get(random.nextInt(fields.size())));
            }
        }
        else {
            List<byte[]> shuffled = new ArrayList<>(fields);
            java.util.Collections.shuffle(shuffled, random);
            picked.addAll(shuffled.subList(0, (int) Math.min(count, shuffled.size())));
        }
        for (byte[] field : picked) {
            out.add(field);
            if (withValues) {
                out.add(hash.get(field));
            }
        }
        return out;
    }

    /** Small and large hashes alike are returned whole in one call, as Redis does for small ones. */
    private static Object hscan(Keyspace keys, List<byte[]> args) {
        ScanOptions options = ScanOptions.parse(args, 2);
        HashValue hash = keys.get(args.get(1), HashValue.class);
        List<Object> out = new ArrayList<>();
        if (hash != null) {
            hash.forEach((field, value) -> {
                if (options.pattern() == null || Glob.matches(options.pattern(), field)) {
                    out.add(field);
                    out.add(value);
                }
            });
        }
        return List.of(Args.bytes("0"), out);
    }
}
