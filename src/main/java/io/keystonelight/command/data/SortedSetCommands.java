package io.keystonelight.command.data;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.protocol.resp.Glob;
import io.keystonelight.store.DataType;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.Mutations;
import io.keystonelight.store.SetValue;
import io.keystonelight.store.SortedSetValue;
import io.keystonelight.store.SortedSetValue.Entry;
import io.keystonelight.store.WrongTypeException;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/** Sorted sets, as Redis 7.0 has them; the blocking pops are not here. */
final class SortedSetCommands {

    private static final String NOT_A_FLOAT_RANGE = "min or max is not a float";

    private static final String NOT_A_LEX_RANGE = "min or max not valid string range item";

    /** What C's {@code strtod} reads whole (hexadecimal aside). */
    private static final Pattern STRTOD = Pattern.compile(
            "[+-]?((inf|infinity|nan)|(([0-9]+\\.?[0-9]*|\\.[0-9]+)(e[+-]?[0-9]+)?))", Pattern.CASE_INSENSITIVE);

    private static final List<Object> EMPTY_SCAN = List.of(Args.bytes("0"), List.of());

    private enum By {
        RANK, SCORE, LEX
    }

    private enum Op {
        UNION, INTER, DIFF
    }

    private SortedSetCommands() {
    }

    static void register() {
        write("zadd", -4, 1, 1, 1, (keys, args) -> zadd((Mutations) keys, args, false));
        write("zincrby", 4, 1, 1, 1, (keys, args) -> zadd((Mutations) keys, args, true));
        write("zrem", -3, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            if (m.get(args.get(1), SortedSetValue.class) == null) {
                return 0L;
            }
            long removed = 0;
            for (int i = 2; i < args.size(); i++) {
                if (m.sortedSetRemove(args.get(1), args.get(i))) {
                    removed++;
                }
            }
            if (removed > 0) {
                m.keyspaceEvent('z', "zrem", args.get(1));
            }
            return removed;
        });
        read("zscore", 3, 1, 1, 1, (keys, args) -> {
            SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
            Double score = zset == null ? null : zset.score(args.get(2));
            return score == null ? CommandExecutor.NONE : Args.score(score);
        });
        read("zmscore", -3, 1, 1, 1, (keys, args) -> {
            SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
            List<Object> out = new ArrayList<>();
            for (int i = 2; i < args.size(); i++) {
                Double score = zset == null ? null : zset.score(args.get(i));
                out.add(score == null ? CommandExecutor.NONE : Args.score(score));
            }
            return out;
        });
        read("zcard", 2, 1, 1, 1, (keys, args) -> {
            SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
            return zset == null ? 0L : (long) zset.size();
        });
        read("zcount", 4, 1, 1, 1, (keys, args) -> {
            ScoreRange range = ScoreRange.parse(args.get(2), args.get(3));
            SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
            if (zset == null || range.empty()) {
                return 0L;
            }
            return (long) Math.max(0, zset.firstRank(entry -> !range.belowMax(entry)) - zset.firstRank(range::aboveMin));
        });
        read("zlexcount", 4, 1, 1, 1, (keys, args) -> {
            LexRange range = LexRange.parse(args.get(2), args.get(3));
            SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
            return (long) inRange(zset, range, false, 0, -1).size();
        });
        read("zrange", -4, 1, 1, 1, (keys, args) -> zrange(keys, args, 1, false, null, false));
        write("zrangestore", -5, 1, 2, 1, (keys, args) -> zrange(keys, args, 2, true, null, false));
        read("zrangebyscore", -4, 1, 1, 1, (keys, args) -> zrange(keys, args, 1, false, By.SCORE, false));
        read("zrevrangebyscore", -4, 1, 1, 1, (keys, args) -> zrange(keys, args, 1, false, By.SCORE, true));
        read("zrangebylex", -4, 1, 1, 1, (keys, args) -> zrange(keys, args, 1, false, By.LEX, false));
        read("zrevrangebylex", -4, 1, 1, 1, (keys, args) -> zrange(keys, args, 1, false, By.LEX, true));
        read("zrevrange", -4, 1, 1, 1, (keys, args) -> zrange(keys, args, 1, false, By.RANK, true));
        read("zrank", 3, 1, 1, 1, (keys, args) -> rank(keys, args, false));
        read("zrevrank", 3, 1, 1, 1, (keys, args) -> rank(keys, args, true));
        write("zremrangebyrank", 4, 1, 1, 1, (keys, args) -> zremrange((Mutations) keys, args, By.RANK,
                "zremrangebyrank"));
        write("zremrangebyscore", 4, 1, 1, 1, (keys, args) -> zremrange((Mutations) keys, args, By.SCORE,
                "zremrangebyscore"));
        write("zremrangebylex", 4, 1, 1, 1, (keys, args) -> zremrange((Mutations) keys, args, By.LEX,
                "zremrangebylex"));
        write("zpopmin", -2, 1, 1, 1, (keys, args) -> zpop((Mutations) keys, args, true));
        write("zpopmax", -2, 1, 1, 1, (keys, args) -> zpop((Mutations) keys, args, false));
        write("zmpop", -4, 0, 0, 0, SortedSetCommands::zmpop);
        read("zunion", -3, 0, 0, 0, (keys, args) -> combine(keys, args, 1, Op.UNION, false, false));
        read("zinter", -3, 0, 0, 0, (keys, args) -> combine(keys, args, 1, Op.INTER, false, false));
        read("zdiff", -3, 0, 0, 0, (keys, args) -> combine(keys, args, 1, Op.DIFF, false, false));
        write("zunionstore", -4, 1, 1, 1, (keys, args) -> combine(keys, args, 2, Op.UNION, true, false));
        write("zinterstore", -4, 1, 1, 1, (keys, args) -> combine(keys, args, 2, Op.INTER, true, false));
        write("zdiffstore", -4, 1, 1, 1, (keys, args) -> combine(keys, args, 2, Op.DIFF, true, false));
        read("zintercard", -3, 0, 0, 0, (keys, args) -> combine(keys, args, 1, Op.INTER, false, true));
        read("zrandmember", -2, 1, 1, 1, SortedSetCommands::zrandmember);
        read("zscan", -3, 1, 1, 1, SortedSetCommands::zscan);
    }

    /** A score as Redis's {@code getDoubleFromObject} takes it: all of it a number, not NaN, not out of range. */
    static double score(byte[] arg, String error) {
        double plain = plainDecimal(arg);
        if (!Double.isNaN(plain)) {
            return plain + 0.0;
        }
        String text = new String(arg, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!STRTOD.matcher(text).matches() || text.toLowerCase().contains("nan")) {
            throw Args.error(error);
        }
        double value = Double.parseDouble(text.toLowerCase().replace("infinity", "inf").replace("inf", "Infinity"));
        boolean infiniteText = text.toLowerCase().contains("inf");
        boolean nonZeroDigits = !text.replaceAll("[eE].*$", "").matches("[+-]?[0.]*");
        // strtod's ERANGE: a finite number too large, or one too small to be anything but 0.
        if (Double.isInfinite(value) && !infiniteText || value == 0 && nonZeroDigits) {
            throw Args.error(error);
        }
        // Redis compares scores with <, for which -0 and 0 are equal; Java's Double.compare is not.
        return value + 0.0;
    }

    /**
     * A score written as most are, digits with a sign or a point, read without the checks below:
     * they compiled two patterns and made five strings per score, and every ZADD runs on the
     * committer, the one thread all writes wait for. Seventeen characters at most hold no
     * number {@code strtod} would find out of range. NaN for any other form.
     */
    private static double plainDecimal(byte[] arg) {
        int length = arg.length;
        if (length == 0 || length > 17) {
            return Double.NaN;
        }
        boolean negative = arg[0] == '-';
        int from = negative || arg[0] == '+' ? 1 : 0;
        boolean digits = false;
        boolean point = false;
        long whole = 0;
        for (int i = from; i < length; i++) {
            byte b = arg[i];
            if (b >= '0' && b <= '9') {
                digits = true;
                whole = whole * 10 + (b - '0');
            }
            else if (b == '.' && !point) {
                point = true;
            }
            else {
                return Double.NaN;
            }
        }
        if (!digits) {
            return Double.NaN;
        }
        if (!point) {
            return negative ? -(double) whole : (double) whole;
        }
        return Double.parseDouble(new String(arg, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** A range bound as Redis's {@code zslParseRange} reads it: {@code strtod}, so leading blanks and "" pass. */
    private static double bound(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        String trimmed = text.stripLeading();
        if (!STRTOD.matcher(trimmed).matches() || trimmed.toLowerCase().contains("nan")) {
            throw Args.error(NOT_A_FLOAT_RANGE);
        }
        return Double.parseDouble(trimmed.toLowerCase().replace("infinity", "inf").replace("inf", "Infinity"));
    }

    record ScoreRange(double min, boolean minExclusive, double max, boolean maxExclusive) implements Range {

        static ScoreRange parse(byte[] min, byte[] max) {
            String lo = new String(min, java.nio.charset.StandardCharsets.ISO_8859_1);
            String hi = new String(max, java.nio.charset.StandardCharsets.ISO_8859_1);
            boolean loEx = lo.startsWith("(");
            boolean hiEx = hi.startsWith("(");
            return new ScoreRange(bound(loEx ? lo.substring(1) : lo), loEx, bound(hiEx ? hi.substring(1) : hi), hiEx);
        }

        @Override
        public boolean aboveMin(Entry entry) {
            return this.minExclusive ? entry.score() > this.min : entry.score() >= this.min;
        }

        @Override
        public boolean belowMax(Entry entry) {
            return this.maxExclusive ? entry.score() < this.max : entry.score() <= this.max;
        }

        @Override
        public boolean empty() {
            return this.min > this.max || this.min == this.max && (this.minExclusive || this.maxExclusive);
        }
    }

    /** A lex range: each bound a string of its own (kind 0), or "-" below every string, or "+" above them. */
    record LexRange(byte[] min, int minKind, boolean minExclusive, byte[] max, int maxKind, boolean maxExclusive)
            implements Range {

        /** -1 the lowest string ("-"), 1 the highest ("+"), 0 a string of its own. */
        private static final int LOWEST = -1;

        private static final int HIGHEST = 1;

        static LexRange parse(byte[] min, byte[] max) {
            return new LexRange(value(min), kind(min), min.length > 0 && min[0] != '[', value(max), kind(max),
                    max.length > 0 && max[0] != '[');
        }

        private static int kind(byte[] item) {
            if (item.length == 1 && item[0] == '-') {
                return LOWEST;
            }
            if (item.length == 1 && item[0] == '+') {
                return HIGHEST;
            }
            if (item.length > 0 && (item[0] == '(' || item[0] == '[')) {
                return 0;
            }
            throw Args.error(NOT_A_LEX_RANGE);
        }

        private static byte[] value(byte[] item) {
            return java.util.Arrays.copyOfRange(item, Math.min(1, item.length), item.length);
        }

        private static int compare(byte[] a, int aKind, byte[] b, int bKind) {
            if (aKind != 0 || bKind != 0) {
                return Integer.compare(aKind, bKind);
            }
            return java.util.Arrays.compareUnsigned(a, b);
        }

        @Override
        public boolean aboveMin(Entry entry) {
            int c = compare(entry.member(), 0, this.min, this.minKind);
            return this.minExclusive ? c > 0 : c >= 0;
        }

        @Override
        public boolean belowMax(Entry entry) {
            int c = compare(entry.member(), 0, this.max, this.maxKind);
            return this.maxExclusive ? c < 0 : c <= 0;
        }

        @Override
        public boolean empty() {
            int c = compare(this.min, this.minKind, this.max, this.maxKind);
            return c > 0 || c == 0 && (this.minExclusive || this.maxExclusive);
        }
    }

    private static Object zadd(Mutations keys, List<byte[]> args, boolean zincrby) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        boolean ch = false;
        boolean incr = zincrby;
        int at = 2;
        if (!zincrby) {
            for (; at < args.size(); at++) {
                byte[] option = args.get(at);
                if (Args.is(option, "nx")) {
                    nx = true;
                }
                else if (Args.is(option, "xx")) {
                    xx = true;
                }
                else if (Args.is(option, "ch")) {
                    ch = true;
                }
                else if (Args.is(option, "incr")) {
                    incr = true;
                }
                else if (Args.is(option, "gt")) {
                    gt = true;
                }
                else if (Args.is(option, "lt")) {
                    lt = true;
                }
                else {
                    break;
                }
            }
        }
        int pairs = args.size() - at;
        if (pairs % 2 != 0 || pairs == 0) {
            throw Args.syntaxError();
        }
        pairs /= 2;
        if (nx && xx) {
            throw Args.error("XX and NX options at the same time are not compatible");
        }
        if (gt && nx || lt && nx || gt && lt) {
            throw Args.error("GT, LT, and/or NX options at the same time are not compatible");
        }
        if (incr && pairs > 1) {
            throw Args.error("INCR option supports a single increment-element pair");
        }
        double[] scores = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            scores[i] = score(args.get(at + 2 * i), Args.NOT_A_FLOAT);
        }
        byte[] key = args.get(1);
        SortedSetValue zset = keys.get(key, SortedSetValue.class);
        if (incr) {
            Double current = zset == null ? null : zset.score(args.get(at + 1));
            if (current != null && !nx && Double.isNaN(current + scores[0])) {
                throw Args.error("resulting score is not a number (NaN)");
            }
        }
        long added = 0;
        long updated = 0;
        boolean processed = false;
        double last = 0;
        if (zset != null || !xx) {
            for (int i = 0; i < pairs; i++) {
                byte[] member = args.get(at + 2 * i + 1);
                double score = scores[i];
                SortedSetValue now = keys.get(key, SortedSetValue.class);
                Double current = now == null ? null : now.score(member);
                if (current != null) {
                    if (nx) {
                        continue;
                    }
                    if (incr) {
                        score += current;
                    }
                    if (lt && score >= current || gt && score <= current) {
                        continue;
                    }
                    processed = true;
                    last = score;
                    if (score != current) {
                        keys.sortedSetAdd(key, score, member);
                        updated++;
                    }
                }
                else if (!xx) {
                    keys.sortedSetAdd(key, score, member);
                    added++;
                    processed = true;
                    last = score;
                }
            }
        }
        if (added + updated > 0) {
            keys.keyspaceEvent('z', incr ? "zincr" : "zadd", key);
        }
        if (incr) {
            return processed ? Args.score(last) : CommandExecutor.NONE;
        }
        return ch ? added + updated : added;
    }

    private static List<Entry> byRank(SortedSetValue zset, long start, long stop, boolean reverse) {
        int size = zset == null ? 0 : zset.size();
        int[] range = ListCommands.range(start, stop, size);
        if (range == null) {
            return List.of();
        }
        Iterator<Entry> it = zset.from(range[0], reverse);
        List<Entry> out = new ArrayList<>(range[1] - range[0] + 1);
        for (int i = range[0]; i <= range[1]; i++) {
            out.add(it.next());
        }
        return out;
    }

    /** A range of scores or of members, bounds included or not. */
    private interface Range {

        boolean aboveMin(Entry entry);

        boolean belowMax(Entry entry);

        boolean empty();
    }

    /** As Redis: a negative offset finds nothing, a negative limit has none. */
    private static List<Entry> inRange(SortedSetValue zset, Range range, boolean reverse, long offset, long limit) {
        List<Entry> out = new ArrayList<>();
        if (zset == null || range.empty() || offset < 0 || offset > 0 && offset >= zset.size()) {
            return out;
        }
        int start = 0;
        if (range instanceof ScoreRange) {
            // Scores are in order, so each bound is found by descent; a lex range keeps the scan
            // from the start, as its bounds are in order only among members of one score.
            start = reverse ? zset.size() - zset.firstRank(entry -> !range.belowMax(entry))
                    : zset.firstRank(range::aboveMin);
        }
        Iterator<Entry> it = zset.from(start, reverse);
        while (it.hasNext() && (limit < 0 || out.size() < limit)) {
            Entry entry = it.next();
            boolean before = reverse ? !range.belowMax(entry) : !range.aboveMin(entry);
            boolean after = reverse ? !range.aboveMin(entry) : !range.belowMax(entry);
            if (after) {
                break;
            }
            if (!before) {
                if (offset > 0) {
                    offset--;
                }
                else {
                    out.add(entry);
                }
            }
        }
        return out;
    }

    /** The two bounds of a range: ranks, or else a range of scores or of members. */
    private record Bounds(long start, long stop, Range range) {

        /** Parsed in full before the key is looked at, so that a bad range is an error even on a missing key. */
        static Bounds parse(By by, byte[] min, byte[] max) {
            return switch (by) {
                case RANK -> new Bounds(Args.integer(min), Args.integer(max), null);
                case SCORE -> new Bounds(0, 0, ScoreRange.parse(min, max));
                case LEX -> new Bounds(0, 0, LexRange.parse(min, max));
            };
        }

        List<Entry> find(SortedSetValue zset, boolean reverse, long offset, long limit) {
            return this.range == null ? byRank(zset, this.start, this.stop, reverse)
                    : inRange(zset, this.range, reverse, offset, limit);
        }
    }

    /** ZRANGE and its older forms, as Redis's {@code zrangeGenericCommand}; {@code by} and REV fixed by the name. */
    private static Object zrange(Keyspace keys, List<byte[]> args, int sourceAt, boolean store, By fixedBy,
            boolean fixedReverse) {
        boolean withScores = false;
        long offset = 0;
        long limit = -1;
        boolean limited = false;
        By by = fixedBy;
        boolean reverse = fixedReverse;
        boolean directionGiven = fixedBy != null;
        for (int i = sourceAt + 3; i < args.size(); i++) {
            int left = args.size() - i - 1;
            byte[] option = args.get(i);
            if (!store && Args.is(option, "withscores")) {
                withScores = true;
            }
            else if (Args.is(option, "limit") && left >= 2) {
                offset = Args.integer(args.get(i + 1));
                limit = Args.integer(args.get(i + 2));
                limited = limit != -1;
                i += 2;
            }
            else if (!directionGiven && !reverse && Args.is(option, "rev")) {
                reverse = true;
            }
            else if (by == null && Args.is(option, "bylex")) {
                by = By.LEX;
            }
            else if (by == null && Args.is(option, "byscore")) {
                by = By.SCORE;
            }
            else {
                throw Args.syntaxError();
            }
        }
        if (by == null) {
            by = By.RANK;
        }
        if (limited && by == By.RANK) {
            throw Args.error("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        }
        if (withScores && by == By.LEX) {
            throw Args.error("syntax error, WITHSCORES not supported in combination with BYLEX");
        }
        byte[] min = args.get(sourceAt + 1);
        byte[] max = args.get(sourceAt + 2);
        if (reverse && by != By.RANK) {
            byte[] swap = min;
            min = max;
            max = swap;
        }
        Bounds bounds = Bounds.parse(by, min, max);
        SortedSetValue zset = keys.get(args.get(sourceAt), SortedSetValue.class);
        List<Entry> found = bounds.find(zset, reverse, offset, limit);
        if (store) {
            return store((Mutations) keys, "zrangestore", args.get(1), found);
        }
        return reply(found, withScores);
    }

    private static List<Object> reply(List<Entry> entries, boolean withScores) {
        List<Object> out = new ArrayList<>(withScores ? 2 * entries.size() : entries.size());
        for (Entry entry : entries) {
            out.add(entry.member());
            if (withScores) {
                out.add(Args.score(entry.score()));
            }
        }
        return out;
    }

    /** Replaces {@code destination} (whatever it held, its deadline too) by these entries; none deletes it. */
    private static long store(Mutations keys, String event, byte[] destination, List<Entry> entries) {
        boolean existed = keys.delete(destination);
        for (Entry entry : entries) {
            keys.sortedSetAdd(destination, entry.score(), entry.member());
        }
        if (!entries.isEmpty()) {
            keys.keyspaceEvent('z', event, destination);
        }
        else if (existed) {
            keys.keyspaceEvent('g', "del", destination);
        }
        return entries.size();
    }

    private static Object rank(Keyspace keys, List<byte[]> args, boolean reverse) {
        SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
        int rank = zset == null ? -1 : zset.rank(args.get(2));
        if (rank < 0) {
            return CommandExecutor.NONE;
        }
        return (long) (reverse ? zset.size() - 1 - rank : rank);
    }

    private static Object zremrange(Mutations keys, List<byte[]> args, By by, String event) {
        Bounds bounds = Bounds.parse(by, args.get(2), args.get(3));
        SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
        if (zset == null) {
            return 0L;
        }
        List<Entry> found = bounds.find(zset, false, 0, -1);
        for (Entry entry : found) {
            keys.sortedSetRemove(args.get(1), entry.member());
        }
        if (!found.isEmpty()) {
            keys.keyspaceEvent('z', event, args.get(1));
        }
        return (long) found.size();
    }

    static Object zpop(Mutations keys, List<byte[]> args, boolean min) {
        if (args.size() > 3) {
            throw Args.syntaxError();
        }
        long count = args.size() == 3 ? Args.positive(args.get(2), "value is out of range, must be positive") : 1;
        SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
        if (zset == null || count == 0) {
            return new ArrayList<>();
        }
        List<Object> out = new ArrayList<>();
        for (Entry entry : popped(keys, args.get(1), zset, min, count)) {
            out.add(entry.member());
            out.add(Args.score(entry.score()));
        }
        return out;
    }

    private static List<Entry> popped(Mutations keys, byte[] key, SortedSetValue zset, boolean min, long count) {
        List<Entry> taken = byRank(zset, 0, Math.min(count, zset.size()) - 1, !min);
        for (Entry entry : taken) {
            keys.sortedSetRemove(key, entry.member());
        }
        keys.keyspaceEvent('z', min ? "zpopmin" : "zpopmax", key);
        return taken;
    }

    static Object zmpop(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        MultiPop pop = MultiPop.parse(args, "min", "max");
        boolean min = pop.first();
        long count = pop.count();
        for (int i = 2; i < pop.keysEnd(); i++) {
            SortedSetValue zset = keys.get(args.get(i), SortedSetValue.class);
            if (zset == null) {
                continue;
            }
            List<Object> pairs = new ArrayList<>();
            for (Entry entry : popped(keys, args.get(i), zset, min, count)) {
                pairs.add(List.of(entry.member(), Args.score(entry.score())));
            }
            return List.of(args.get(i), pairs);
        }
        return CommandExecutor.NULL_ARRAY;
    }

    /** A source of ZUNION and the like: a sorted set, or a set whose members all score 1. */
    private record Source(Map<ByteBuffer, Double> scores, double weight) {

        int size() {
            return this.scores.size();
        }
    }

    private static Map<ByteBuffer, Double> scoresOf(Object value) {
        Map<ByteBuffer, Double> scores = new LinkedHashMap<>();
        if (value instanceof SortedSetValue zset) {
            for (Entry entry : zset.entries()) {
                scores.put(ByteBuffer.wrap(entry.member()), entry.score());
            }
        }
        else if (value instanceof SetValue set) {
            for (byte[] member : set.members()) {
                scores.put(ByteBuffer.wrap(member), 1.0);
            }
        }
        else if (value != null) {
            throw new WrongTypeException(DataType.of(value));
        }
        return scores;
    }

    /** ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, as Redis's {@code zunionInterDiffGenericCommand}. */
    private static Object combine(Keyspace keys, List<byte[]> args, int numkeysAt, Op op, boolean store,
            boolean cardinalityOnly) {
        long numkeys = Args.integer(args.get(numkeysAt));
        if (numkeys < 1) {
            throw Args.error("at least 1 input key is needed for '" + Args.lower(args.get(0)) + "' command");
        }
        if (numkeys > args.size() - (numkeysAt + 1)) {
            throw Args.syntaxError();
        }
        int n = (int) numkeys;
        List<Map<ByteBuffer, Double>> sources = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sources.add(scoresOf(keys.value(args.get(numkeysAt + 1 + i))));
        }
        double[] weights = new double[n];
        java.util.Arrays.fill(weights, 1.0);
        String aggregate = "sum";
        boolean withScores = false;
        long limit = 0;
        int j = numkeysAt + 1 + n;
        while (j < args.size()) {
            int remaining = args.size() - j;
            byte[] option = args.get(j);
            if (op != Op.DIFF && !cardinalityOnly && remaining >= n + 1 && Args.is(option, "weights")) {
                j++;
                for (int i = 0; i < n; i++, j++) {
                    weights[i] = score(args.get(j), "weight value is not a float");
                }
            }
            else if (op != Op.DIFF && !cardinalityOnly && remaining >= 2 && Args.is(option, "aggregate")) {
                String kind = Args.lower(args.get(j + 1));
                if (!kind.equals("sum") && !kind.equals("min") && !kind.equals("max")) {
                    throw Args.syntaxError();
                }
                aggregate = kind;
                j += 2;
            }
            else if (!store && !cardinalityOnly && Args.is(option, "withscores")) {
                withScores = true;
                j++;
            }
            else if (cardinalityOnly && remaining >= 2 && Args.is(option, "limit")) {
                limit = Args.positive(args.get(j + 1), "LIMIT can't be negative");
                j += 2;
            }
            else {
                throw Args.syntaxError();
            }
        }
        List<Source> ordered = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ordered.add(new Source(sources.get(i), weights[i]));
        }
        Map<ByteBuffer, Double> result = new LinkedHashMap<>();
        if (op == Op.DIFF) {
            for (Map.Entry<ByteBuffer, Double> entry : ordered.get(0).scores().entrySet()) {
                boolean elsewhere = false;
                for (int i = 1; i < n && !elsewhere; i++) {
                    elsewhere = ordered.get(i).scores().containsKey(entry.getKey());
                }
                if (!elsewhere) {
                    result.put(entry.getKey(), entry.getValue());
                }
            }
        }
        else {
            // Redis goes through the sources smallest first, which decides the order of the additions.
            ordered.sort(Comparator.comparingInt(Source::size));
            if (op == Op.INTER) {
                intersect(ordered, aggregate, cardinalityOnly ? limit : 0, result);
            }
            else {
                for (Source source : ordered) {
                    for (Map.Entry<ByteBuffer, Double> entry : source.scores().entrySet()) {
                        double score = weighted(source, entry.getValue());
                        Double before = result.get(entry.getKey());
                        result.put(entry.getKey(), before == null ? score : aggregate(aggregate, before, score));
                    }
                }
            }
        }
        if (cardinalityOnly) {
            return (long) result.size();
        }
        List<Entry> entries = new ArrayList<>(result.size());
        for (Map.Entry<ByteBuffer, Double> entry : result.entrySet()) {
            entries.add(new Entry(entry.getValue(), entry.getKey().array()));
        }
        entries.sort(SortedSetValue.ORDER);
        if (store) {
            return store((Mutations) keys, switch (op) {
                case UNION -> "zunionstore";
                case INTER -> "zinterstore";
                case DIFF -> "zdiffstore";
            }, args.get(1), entries);
        }
        return reply(entries, withScores);
    }

    private static void intersect(List<Source> ordered, String aggregate, long limit, Map<ByteBuffer, Double> result) {
        for (Map.Entry<ByteBuffer, Double> entry : ordered.get(0).scores().entrySet()) {
            double score = weighted(ordered.get(0), entry.getValue());
            boolean everywhere = true;
            for (int i = 1; i < ordered.size() && everywhere; i++) {
                Double other = ordered.get(i).scores().get(entry.getKey());
                if (other == null) {
                    everywhere = false;
                }
                else {
                    score = aggregate(aggregate, score, weighted(ordered.get(i), other));
                }
            }
            if (everywhere) {
                result.put(entry.getKey(), score);
                if (limit > 0 && result.size() >= limit) {
                    return;
                }
            }
        }
    }

    /** Infinity times a weight of 0 is NaN, which Redis counts as 0. */
    private static double weighted(Source source, double score) {
        double weighted = source.weight() * score;
        return Double.isNaN(weighted) ? 0 : weighted;
    }

    private static double aggregate(String aggregate, double target, double value) {
        return switch (aggregate) {
            case "min" -> Math.min(target, value);
            case "max" -> Math.max(target, value);
            default -> {
                double sum = target + value;
                yield Double.isNaN(sum) ? 0 : sum;
            }
        };
    }

    private static Object zrandmember(Keyspace keys, List<byte[]> args) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (args.size() == 2) {
            SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
            if (zset == null) {
                return CommandExecutor.NONE;
            }
            return zset.at(random.nextInt(zset.size())).member();
        }
        long count = Args.inRange(args.get(2), -Long.MAX_VALUE, Long.MAX_VALUE, null);
        boolean withScores = false;
        if (args.size() > 4 || args.size() == 4 && !Args.is(args.get(3), "withscores")) {
            throw Args.syntaxError();
        }
        if (args.size() == 4) {
            withScores = true;
            if (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2) {
                throw Args.error("value is out of range");
            }
        }
        SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
        if (zset == null || count == 0) {
            return new ArrayList<>();
        }
        List<Entry> all = new ArrayList<>(zset.entries());
        List<Entry> picked = new ArrayList<>();
        if (count < 0) {
            for (long i = 0; i < -count; i++) {
                picked.add(all.get(random.nextInt(all.size())));
            }
        }
        else {
            Collections.shuffle(all, random);
            picked.addAll(all.subList(0, (int) Math.min(count, all.size())));
        }
        return reply(picked, withScores);
    }

    private static Object zscan(Keyspace keys, List<byte[]> args) {
        if (Args.parseLong(args.get(2)) == null) {
            throw Args.error("invalid cursor");
        }
        SortedSetValue zset = keys.get(args.get(1), SortedSetValue.class);
        if (zset == null) {
            return EMPTY_SCAN;
        }
        ScanOptions options = ScanOptions.parse(args, 2);
        List<Object> out = new ArrayList<>();
        for (Entry entry : zset.entries()) {
            if (options.pattern() == null || Glob.matches(options.pattern(), entry.member())) {
                out.add(entry.member());
                out.add(Args.score(entry.score()));
            }
        }
        return List.of(Args.bytes("0"), out);
    }
}
