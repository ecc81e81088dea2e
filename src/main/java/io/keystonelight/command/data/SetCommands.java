package io.keystonelight.command.data;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.protocol.resp.Glob;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.Mutations;
import io.keystonelight.store.SetValue;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/** Sets, as Redis 7.0 has them. */
final class SetCommands {

    /** Redis 7.0 keeps a set of at most this many integers as an intset, which it lists in numeric order. */
    private static final int INTSET_ENTRIES = 512;

    private static final List<Object> EMPTY_SCAN = List.of(Args.bytes("0"), List.of());

    private SetCommands() {
    }

    static void register() {
        write("sadd", -3, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            m.get(args.get(1), SetValue.class);
            long added = 0;
            for (int i = 2; i < args.size(); i++) {
                if (m.setAdd(args.get(1), args.get(i))) {
                    added++;
                }
            }
            if (added > 0) {
                m.keyspaceEvent('s', "sadd", args.get(1));
            }
            return added;
        });
        write("srem", -3, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            if (m.get(args.get(1), SetValue.class) == null) {
                return 0L;
            }
            long removed = 0;
            for (int i = 2; i < args.size(); i++) {
                if (m.setRemove(args.get(1), args.get(i))) {
                    removed++;
                }
            }
            if (removed > 0) {
                m.keyspaceEvent('s', "srem", args.get(1));
            }
            return removed;
        });
        read("smembers", 2, 1, 1, 1, (keys, args) -> new ArrayList<Object>(members(keys.get(args.get(1),
                SetValue.class))));
        read("sismember", 3, 1, 1, 1, (keys, args) -> {
            SetValue set = keys.get(args.get(1), SetValue.class);
            return set != null && set.contains(args.get(2)) ? 1L : 0L;
        });
        read("smismember", -3, 1, 1, 1, (keys, args) -> {
            SetValue set = keys.get(args.get(1), SetValue.class);
            List<Object> out = new ArrayList<>(args.size() - 2);
            for (int i = 2; i < args.size(); i++) {
                out.add(set != null && set.contains(args.get(i)) ? 1L : 0L);
            }
            return out;
        });
        read("scard", 2, 1, 1, 1, (keys, args) -> {
            SetValue set = keys.get(args.get(1), SetValue.class);
            return set == null ? 0L : (long) set.size();
        });
        write("spop", -2, 1, 1, 1, SetCommands::spop);
        read("srandmember", -2, 1, 1, 1, SetCommands::srandmember);
        write("smove", 4, 1, 2, 1, SetCommands::smove);
        read("sinter", -2, 1, -1, 1, (keys, args) -> reply(inter(keys, args, 1, 0)));
        read("sintercard", -3, 0, 0, 0, SetCommands::sintercard);
        write("sinterstore", -3, 1, -1, 1, (keys, args) -> store((Mutations) keys, "sinterstore", args.get(1),
                inter(keys, args, 2, 0)));
        read("sunion", -2, 1, -1, 1, (keys, args) -> reply(union(keys, args, 1)));
        write("sunionstore", -3, 1, -1, 1, (keys, args) -> store((Mutations) keys, "sunionstore", args.get(1),
                union(keys, args, 2)));
        read("sdiff", -2, 1, -1, 1, (keys, args) -> reply(diff(keys, args, 1)));
        write("sdiffstore", -3, 1, -1, 1, (keys, args) -> store((Mutations) keys, "sdiffstore", args.get(1),
                diff(keys, args, 2)));
        read("sscan", -3, 1, 1, 1, SetCommands::sscan);
    }

    /** The members in the order Redis 7.0 lists them when it can be told: numeric for an intset. */
    static List<byte[]> members(SetValue set) {
        return set == null ? List.of() : redisOrder(set.members());
    }

    private static List<byte[]> redisOrder(List<byte[]> members) {
        if (members.size() > INTSET_ENTRIES) {
            return members;
        }
        for (byte[] member : members) {
            if (Args.parseLong(member) == null) {
                return members;
            }
        }
        List<byte[]> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparingLong(Args::parseLong));
        return sorted;
    }

    private static Object spop(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        if (args.size() > 3) {
            throw Args.syntaxError();
        }
        byte[] key = args.get(1);
        if (args.size() == 2) {
            SetValue set = keys.get(key, SetValue.class);
            if (set == null) {
                return CommandExecutor.NONE;
            }
            byte[] member = set.member(pick(keys, set.size()));
            keys.setRemove(key, member);
            keys.keyspaceEvent('s', "spop", key);
            return member;
        }
        long count = Args.positive(args.get(2), "value is out of range, must be positive");
        SetValue set = keys.get(key, SetValue.class);
        List<Object> out = new ArrayList<>();
        if (set == null || count == 0) {
            return out;
        }
        long popped = Math.min(count, set.size());
        for (long i = 0; i < popped; i++) {
            SetValue now = keys.get(key, SetValue.class);
            byte[] member = now.member(pick(keys, now.size()));
            keys.setRemove(key, member);
            out.add(member);
        }
        keys.keyspaceEvent('s', "spop", key);
        return out;
    }

    /** A random index below {@code bound}, the same on every replica: the write's own random numbers. */
    private static int pick(Mutations keys, int bound) {
        return (int) Math.floorMod(keys.random(), (long) bound);
    }

    private static Object srandmember(Keyspace keys, List<byte[]> args) {
        if (args.size() > 3) {
            throw Args.syntaxError();
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (args.size() == 2) {
            SetValue set = keys.get(args.get(1), SetValue.class);
            if (set == null) {
                return CommandExecutor.NONE;
            }
            return set.member(random.nextInt(set.size()));
        }
        long count = Args.inRange(args.get(2), -Long.MAX_VALUE, Long.MAX_VALUE, null);
        SetValue set = keys.get(args.get(1), SetValue.class);
        List<Object> out = new ArrayList<>();
        if (set == null || count == 0) {
            return out;
        }
        if (count < 0) {
            for (long i = 0; i < -count; i++) {
                out.add(set.member(random.nextInt(set.size())));
            }
            return out;
        }
        if (count >= set.size()) {
            out.addAll(set.members());
            Collections.shuffle(out, random);
            return out;
        }
        // Distinct positions: a few draws each while fewer than half are wanted, else a partial shuffle.
        if (count <= set.size() / 2) {
            java.util.Set<Integer> drawn = new java.util.HashSet<>();
            while (drawn.size() < count) {
                int at = random.nextInt(set.size());
                if (drawn.add(at)) {
                    out.add(set.member(at));
                }
            }
            return out;
        }
        List<byte[]> members = set.members();
        for (int i = 0; i < count; i++) {
            Collections.swap(members, i, i + random.nextInt(members.size() - i));
            out.add(members.get(i));
        }
        return out;
    }

    private static Object smove(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        byte[] from = args.get(1);
        byte[] to = args.get(2);
        byte[] member = args.get(3);
        if (keys.value(from) == null) {
            return 0L;
        }
        SetValue source = keys.get(from, SetValue.class);
        keys.get(to, SetValue.class);
        if (Args.same(from, to)) {
            return source.contains(member) ? 1L : 0L;
        }
        if (!keys.setRemove(from, member)) {
            return 0L;
        }
        keys.keyspaceEvent('s', "srem", from);
        if (keys.setAdd(to, member)) {
            keys.keyspaceEvent('s', "sadd", to);
        }
        return 1L;
    }

    /** Every set named from {@code first} on; {@code null} for a missing key. WRONGTYPE checked for all. */
    private static List<SetValue> sets(Keyspace keys, List<byte[]> args, int first, int end) {
        List<SetValue> sets = new ArrayList<>(end - first);
        for (int i = first; i < end; i++) {
            sets.add(keys.get(args.get(i), SetValue.class));
        }
        return sets;
    }

    private static List<byte[]> inter(Keyspace keys, List<byte[]> args, int first, long limit) {
        return inter(sets(keys, args, first, args.size()), limit);
    }

    /** Redis walks the smallest set and keeps what every other holds, so the order is the smallest's. */
    private static List<byte[]> inter(List<SetValue> sets, long limit) {
        if (sets.contains(null)) {
            return List.of();
        }
        List<SetValue> bySize = new ArrayList<>(sets);
        bySize.sort(Comparator.comparingInt(SetValue::size));
        List<byte[]> out = new ArrayList<>();
        for (byte[] member : members(bySize.get(0))) {
            boolean everywhere = true;
            for (int i = 1; i < bySize.size() && everywhere; i++) {
                everywhere = bySize.get(i).contains(member);
            }
            if (everywhere) {
                out.add(member);
                if (limit > 0 && out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    private static Object sintercard(Keyspace keys, List<byte[]> args) {
        long numkeys = Args.inRange(args.get(1), 1, Long.MAX_VALUE, "numkeys should be greater than 0");
        if (numkeys > args.size() - 2) {
            throw Args.error("Number of keys can't be greater than number of args");
        }
        long limit = 0;
        int end = 2 + (int) numkeys;
        for (int i = end; i < args.size(); i++) {
            if (Args.is(args.get(i), "limit") && i + 1 < args.size()) {
                limit = Args.positive(args.get(++i), "LIMIT can't be negative");
            }
            else {
                throw Args.syntaxError();
            }
        }
        return (long) inter(sets(keys, args, 2, end), limit).size();
    }

    private static List<byte[]> union(Keyspace keys, List<byte[]> args, int first) {
        LinkedHashSet<ByteBuffer> out = new LinkedHashSet<>();
        for (SetValue set : sets(keys, args, first, args.size())) {
            if (set != null) {
                for (byte[] member : set.members()) {
                    out.add(ByteBuffer.wrap(member));
                }
            }
        }
        return redisOrder(unwrap(out));
    }

    private static List<byte[]> diff(Keyspace keys, List<byte[]> args, int first) {
        List<SetValue> sets = sets(keys, args, first, args.size());
        if (sets.get(0) == null) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>();
        for (byte[] member : sets.get(0).members()) {
            boolean elsewhere = false;
            for (int i = 1; i < sets.size() && !elsewhere; i++) {
                elsewhere = sets.get(i) != null && sets.get(i).contains(member);
            }
            if (!elsewhere) {
                out.add(member);
            }
        }
        return redisOrder(out);
    }

    private static List<byte[]> unwrap(LinkedHashSet<ByteBuffer> members) {
        List<byte[]> out = new ArrayList<>(members.size());
        for (ByteBuffer member : members) {
            out.add(member.array());
        }
        return out;
    }

    private static List<Object> reply(List<byte[]> members) {
        return new ArrayList<>(members);
    }

    /** Replaces {@code destination} (any type, its deadline too) by a set of {@code members}; none deletes it. */
    private static long store(Mutations keys, String event, byte[] destination, List<byte[]> members) {
        boolean existed = keys.delete(destination);
        for (byte[] member : members) {
            keys.setAdd(destination, member);
        }
        if (!members.isEmpty()) {
            keys.keyspaceEvent('s', event, destination);
        }
        else if (existed) {
            keys.keyspaceEvent('g', "del", destination);
        }
        return members.size();
    }

    private static Object sscan(Keyspace keys, List<byte[]> args) {
        if (Args.parseLong(args.get(2)) == null) {
            throw Args.error("invalid cursor");
        }
        SetValue set = keys.get(args.get(1), SetValue.class);
        if (set == null) {
            return EMPTY_SCAN;
        }
        ScanOptions options = ScanOptions.parse(args, 2);
        List<Object> out = new ArrayList<>();
        for (byte[] member : members(set)) {
            if (options.pattern() == null || Glob.matches(options.pattern(), member)) {
                out.add(member);
            }
        }
        return List.of(Args.bytes("0"), out);
    }
}
