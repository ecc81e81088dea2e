package io.keystonelight.command.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.store.ListValue;
import io.keystonelight.store.Mutations;
import io.keystonelight.store.SortedSetValue;

/**
 * BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX and BZMPOP as Redis 7.0 has them.
 * Each one's body is a single attempt, the non-blocking form: it pops what it finds or answers
 * the null reply of the non-blocking form; inside EXEC that is all it does, as in Redis. Outside
 * a transaction {@link DataCommandFamily} repeats the attempt whenever one of its keys changes,
 * until it pops or its timeout passes.
 */
public final class BlockingPops {

    /**
     * How a blocking pop waits.
     *
     * @param type the class of value it pops from
     * @param keys the keys it waits on, from its arguments
     * @param timeout its timeout argument
     * @param nothing what its attempt answers when it finds nothing (inside EXEC, the client's answer)
     */
    public record Pop(Class<?> type, Function<List<byte[]>, List<byte[]>> keys, Function<List<byte[]>, byte[]> timeout,
            Object nothing) {
    }

    private BlockingPops() {
    }

    static void register() {
        Pop lists = new Pop(ListValue.class, args -> args.subList(1, args.size() - 1), args -> args.get(args.size() - 1),
                CommandExecutor.NULL_ARRAY);
        Pop zsets = new Pop(SortedSetValue.class, lists.keys(), lists.timeout(), CommandExecutor.NULL_ARRAY);
        DataCommands.blocking(new DataCommand("blpop", -3, 1, -2, 1, true,
                (keys, args) -> popFirst((Mutations) keys, args, true)), lists);
        DataCommands.blocking(new DataCommand("brpop", -3, 1, -2, 1, true,
                (keys, args) -> popFirst((Mutations) keys, args, false)), lists);
        DataCommands.blocking(new DataCommand("brpoplpush", 4, 1, 2, 1, true, (keys, args) -> {
            timeoutMillis(args.get(3));
            return ListCommands.lmove((Mutations) keys, args.get(1), args.get(2), false, true);
        }), new Pop(ListValue.class, args -> List.of(args.get(1)), args -> args.get(3), CommandExecutor.NONE));
        DataCommands.blocking(new DataCommand("blmove", 6, 1, 2, 1, true, (keys, args) -> {
            boolean fromHead = ListCommands.end(args.get(3));
            boolean toHead = ListCommands.end(args.get(4));
            timeoutMillis(args.get(5));
            return ListCommands.lmove((Mutations) keys, args.get(1), args.get(2), fromHead, toHead);
        }), new Pop(ListValue.class, args -> List.of(args.get(1)), args -> args.get(5), CommandExecutor.NONE));
        DataCommands.blocking(new DataCommand("blmpop", -5, 0, 0, 0, true, (keys, args) -> {
            List<byte[]> nonBlocking = withoutTimeout(args, "left", "right");
            return ListCommands.lmpop(keys, nonBlocking);
        }), new Pop(ListValue.class, args -> multiPopKeys(args, "left", "right"), args -> args.get(1), CommandExecutor.NULL_ARRAY));
        DataCommands.blocking(new DataCommand("bzpopmin", -3, 1, -2, 1, true,
                (keys, args) -> zpopFirst((Mutations) keys, args, true)), zsets);
        DataCommands.blocking(new DataCommand("bzpopmax", -3, 1, -2, 1, true,
                (keys, args) -> zpopFirst((Mutations) keys, args, false)), zsets);
        DataCommands.blocking(new DataCommand("bzmpop", -5, 0, 0, 0, true, (keys, args) -> {
            List<byte[]> nonBlocking = withoutTimeout(args, "min", "max");
            return SortedSetCommands.zmpop(keys, nonBlocking);
        }), new Pop(SortedSetValue.class, args -> multiPopKeys(args, "min", "max"), args -> args.get(1), CommandExecutor.NULL_ARRAY));
    }

    /**
     * The timeout in milliseconds, 0 for none, read as Redis's {@code getTimeoutFromObjectOrReply}
     * reads seconds: a long double, scaled and cut to whole milliseconds.
     */
    public static long timeoutMillis(byte[] arg) {
        double seconds = Args.parseDouble(arg, "timeout is not a float or out of range");
        if (Double.isInfinite(seconds)) {
            throw Args.error("timeout is out of range");
        }
        long millis = (long) (seconds * 1000.0);
        if (millis < 0) {
            throw Args.error("timeout is negative");
        }
        if (millis > Long.MAX_VALUE - System.currentTimeMillis()) {
            throw Args.error("timeout is out of range");
        }
        return millis;
    }

    /** BLPOP and BRPOP: the first non-empty list of the keys, in order; a key of another type is an error. */
    private static Object popFirst(Mutations keys, List<byte[]> args, boolean head) {
        timeoutMillis(args.get(args.size() - 1));
        for (int i = 1; i < args.size() - 1; i++) {
            byte[] key = args.get(i);
            if (keys.get(key, ListValue.class) != null) {
                byte[] element = keys.listPop(key, head);
                keys.keyspaceEvent('l', head ? "lpop" : "rpop", key);
                return List.of(key, element);
            }
        }
        return CommandExecutor.NULL_ARRAY;
    }

    /** BZPOPMIN and BZPOPMAX: key, member and score from the first non-empty sorted set. */
    private static Object zpopFirst(Mutations keys, List<byte[]> args, boolean min) {
        timeoutMillis(args.get(args.size() - 1));
        for (int i = 1; i < args.size() - 1; i++) {
            byte[] key = args.get(i);
            if (keys.get(key, SortedSetValue.class) != null) {
                List<Object> out = new ArrayList<>(3);
                out.add(key);
                out.addAll((List<?>) SortedSetCommands.zpop(keys, List.of(args.get(0), key), min));
                return out;
            }
        }
        return CommandExecutor.NULL_ARRAY;
    }

    /**
     * BLMPOP's and BZMPOP's arguments as LMPOP's and ZMPOP's, the timeout taken out once checked:
     * Redis reads numkeys, the end and COUNT before the timeout, so their errors come first.
     */
    private static List<byte[]> withoutTimeout(List<byte[]> args, String firstEnd, String secondEnd) {
        List<byte[]> nonBlocking = new ArrayList<>(args.size() - 1);
        nonBlocking.add(args.get(0));
        nonBlocking.addAll(args.subList(2, args.size()));
        MultiPop.parse(nonBlocking, firstEnd, secondEnd);
        timeoutMillis(args.get(1));
        return nonBlocking;
    }

    private static List<byte[]> multiPopKeys(List<byte[]> args, String firstEnd, String secondEnd) {
        List<byte[]> nonBlocking = new ArrayList<>(args.size() - 1);
        nonBlocking.add(args.get(0));
        nonBlocking.addAll(args.subList(2, args.size()));
        MultiPop pop = MultiPop.parse(nonBlocking, firstEnd, secondEnd);
        return nonBlocking.subList(2, pop.keysEnd());
    }
}
