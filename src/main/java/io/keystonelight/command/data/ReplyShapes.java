package io.keystonelight.command.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.keystonelight.command.Resp3;

/**
 * The RESP3 type of each data command's reply, where Redis 7.0 gives it one beyond RESP2's: one
 * entry a command, read off what {@code redis-server} 7.0 answers after {@code HELLO 3}. A command
 * not listed replies the same in both versions (its nulls aside, which the encoder words).
 */
final class ReplyShapes {

    /** Re-types a command's RESP2 result for RESP3; may look at the request's arguments. */
    @FunctionalInterface
    interface Shape {

        Object resp3(List<byte[]> args, Object result);
    }

    private static final Shape PLAIN = (args, result) -> result;

    private static final Map<String, Shape> BY_NAME = new HashMap<>();

    static {
        shape("hgetall", (args, result) -> Resp3.map(result));
        shape("lcs", (args, result) -> has(args, "idx") ? Resp3.map(result) : result);
        shape("hrandfield", (args, result) -> has(args, "withvalues") ? pairs(result, false) : result);

        for (String name : List.of("smembers", "sinter", "sunion", "sdiff")) {
            shape(name, (args, result) -> Resp3.set(result));
        }
        shape("spop", (args, result) -> args.size() > 2 ? Resp3.set(result) : result);

        for (String name : List.of("zscore", "zincrby")) {
            shape(name, (args, result) -> Resp3.number(result));
        }
        shape("zadd", (args, result) -> has(args, "incr") ? Resp3.number(result) : result);
        shape("zmscore", (args, result) -> each(result, Resp3::number));
        for (String name : List.of("zrange", "zrangebyscore", "zrevrange", "zrevrangebyscore", "zunion", "zinter",
                "zdiff", "zrandmember")) {
            shape(name, (args, result) -> has(args, "withscores") ? pairs(result, true) : result);
        }
        // Without a count, one member and its score side by side; with one, a pair for each.
        for (String name : List.of("zpopmin", "zpopmax")) {
            shape(name, (args, result) -> args.size() > 2 ? pairs(result, true) : lastIsScore(result));
        }
        // Key, member, score.
        for (String name : List.of("bzpopmin", "bzpopmax")) {
            shape(name, (args, result) -> lastIsScore(result));
        }
        // Key, then [member, score] pairs.
        for (String name : List.of("zmpop", "bzmpop")) {
            shape(name, (args, result) -> {
                if (!(result instanceof List<?> keyAndPairs) || keyAndPairs.size() != 2) {
                    return result;
                }
                return List.of(keyAndPairs.get(0), each(keyAndPairs.get(1), ReplyShapes::lastIsScore));
            });
        }

        shape("memory", (args, result) -> {
            String sub = args.size() > 1 ? new String(args.get(1), java.nio.charset.StandardCharsets.ISO_8859_1)
                    .toLowerCase(Locale.ROOT) : "";
            return sub.equals("doctor") || sub.equals("malloc-stats") ? Resp3.verbatim(result) : result;
        });
    }

    private ReplyShapes() {
    }

    static Shape of(DataCommand command) {
        return BY_NAME.getOrDefault(command.name(), PLAIN);
    }

    private static void shape(String name, Shape shape) {
        BY_NAME.put(name, shape);
    }

    /** Fails at start on a name the table does not have, so a typo cannot leave a reply untyped. */
    static void checkNames() {
        for (String name : BY_NAME.keySet()) {
            if (DataCommands.lookup(name) == null) {
                throw new IllegalStateException("a RESP3 reply shape for " + name + ", which is no command");
            }
        }
    }

    private static boolean has(List<byte[]> args, String option) {
        for (int i = 2; i < args.size(); i++) {
            if (args.get(i).length == option.length()
                    && new String(args.get(i), java.nio.charset.StandardCharsets.ISO_8859_1).equalsIgnoreCase(option)) {
                return true;
            }
        }
        return false;
    }

    private static Object each(Object result, java.util.function.UnaryOperator<Object> typed) {
        if (!(result instanceof List<?> list)) {
            return result;
        }
        List<Object> out = new ArrayList<>(list.size());
        for (Object element : list) {
            out.add(typed.apply(element));
        }
        return out;
    }

    /** RESP2's flat {@code a1 b1 a2 b2 ...} as RESP3's {@code [a1, b1], [a2, b2], ...}. */
    private static Object pairs(Object result, boolean scores) {
        if (!(result instanceof List<?> flat)) {
            return result;
        }
        List<Object> out = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.add(List.of(flat.get(i), scores ? Resp3.number(flat.get(i + 1)) : flat.get(i + 1)));
        }
        return out;
    }

    private static Object lastIsScore(Object result) {
        if (!(result instanceof List<?> list) || list.isEmpty()) {
            return result;
        }
        List<Object> out = new ArrayList<>(list);
        out.set(out.size() - 1, Resp3.number(out.get(out.size() - 1)));
        return out;
    }
}
