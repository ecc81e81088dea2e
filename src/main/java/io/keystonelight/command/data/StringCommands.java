package io.keystonelight.command.data;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.Mutations;

import static io.keystonelight.command.data.DataCommands.read;
import static io.keystonelight.command.data.DataCommands.write;

/**
 * The string commands beyond the ones both protocols share: GETSET, GETRANGE, SUBSTR, SETRANGE,
 * MSETNX, INCRBYFLOAT, LCS, and the bitmaps SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP. A change of
 * a string's contents keeps its deadline, as in Redis.
 */
final class StringCommands {

    /** Redis's {@code proto-max-bulk-len} default: no string may grow past it. */
    private static final long MAX_STRING = 512L * 1024 * 1024;

    private StringCommands() {
    }

    static void register() {
        write("getset", 3, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            byte[] previous = m.string(args.get(1));
            m.setString(args.get(1), args.get(2), 0);
            m.keyspaceEvent('$', "set", args.get(1));
            return previous == null ? CommandExecutor.NONE : previous;
        });
        read("getrange", 4, 1, 1, 1, StringCommands::getrange);
        read("substr", 4, 1, 1, 1, StringCommands::getrange);
        write("setrange", 4, 1, 1, 1, StringCommands::setrange);
        write("msetnx", -3, 1, -1, 2, (keys, args) -> {
            if (args.size() % 2 == 0) {
                throw Args.error("wrong number of arguments for 'msetnx' command");
            }
            Mutations m = (Mutations) keys;
            for (int i = 1; i < args.size(); i += 2) {
                if (m.value(args.get(i)) != null) {
                    return 0L;
                }
            }
            for (int i = 1; i < args.size(); i += 2) {
                m.setString(args.get(i), args.get(i + 1), 0);
                m.keyspaceEvent('$', "set", args.get(i));
            }
            return 1L;
        });
        write("incrbyfloat", 3, 1, 1, 1, (keys, args) -> {
            Mutations m = (Mutations) keys;
            byte[] current = m.string(args.get(1));
            BigDecimal base = current == null ? BigDecimal.ZERO : Args.parseDecimal(current, Args.NOT_A_FLOAT, Args.NOT_A_FLOAT);
            BigDecimal delta = Args.parseDecimal(args.get(2), Args.NOT_A_FLOAT,
                    "increment would produce NaN or Infinity");
            byte[] result = Args.humanDecimal(Args.longDoubleSum(base, delta));
            m.setString(args.get(1), result, Mutations.KEEP_DEADLINE);
            m.keyspaceEvent('$', "incrbyfloat", args.get(1));
            return result;
        });
        read("lcs", -3, 1, 2, 1, StringCommands::lcs);
        write("setbit", 4, 1, 1, 1, StringCommands::setbit);
        read("getbit", 3, 1, 1, 1, (keys, args) -> {
            long offset = bitOffset(args.get(2));
            byte[] value = keys.string(args.get(1));
            long byteIndex = offset >>> 3;
            if (value == null || byteIndex >= value.length) {
                return 0L;
            }
            return (long) ((value[(int) byteIndex] >> (7 - (int) (offset & 7))) & 1);
        });
        read("bitcount", -2, 1, 1, 1, StringCommands::bitcount);
        read("bitpos", -3, 1, 1, 1, StringCommands::bitpos);
        write("bitop", -4, 2, -1, 1, StringCommands::bitop);
    }

    private static Object getrange(Keyspace keys, List<byte[]> args) {
        long start = Args.integer(args.get(2));
        long end = Args.integer(args.get(3));
        byte[] value = keys.string(args.get(1));
        if (value == null) {
            return new byte[0];
        }
        long length = value.length;
        if (start < 0 && end < 0 && start > end) {
            return new byte[0];
        }
        if (start < 0) {
            start = length + start;
        }
        if (end < 0) {
            end = length + end;
        }
        start = Math.max(0, start);
        end = Math.max(0, end);
        end = Math.min(end, length - 1);
        if (start > end || length == 0) {
            return new byte[0];
        }
        return Arrays.copyOfRange(value, (int) start, (int) end + 1);
    }

    private static Object setrange(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        long offset = Args.integer(args.get(2));
        if (offset < 0) {
            throw Args.error("offset is out of range");
        }
        byte[] patch = args.get(3);
        byte[] value = keys.string(args.get(1));
        if (patch.length == 0) {
            return value == null ? 0L : (long) value.length;
        }
        if (offset + patch.length > MAX_STRING) {
            throw Args.error("string exceeds maximum allowed size (proto-max-bulk-len)");
        }
        int length = (int) Math.max(value == null ? 0 : value.length, offset + patch.length);
        byte[] joined = value == null ? new byte[length] : Arrays.copyOf(value, length);
        System.arraycopy(patch, 0, joined, (int) offset, patch.length);
        keys.setString(args.get(1), joined, Mutations.KEEP_DEADLINE);
        keys.keyspaceEvent('$', "setrange", args.get(1));
        return (long) length;
    }

    private static long bitOffset(byte[] arg) {
        Long offset = Args.parseLong(arg);
        if (offset == null || offset < 0 || (offset >>> 3) >= MAX_STRING) {
            throw Args.error("bit offset is not an integer or out of range");
        }
        return offset;
    }

    private static Object setbit(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        long offset = bitOffset(args.get(2));
        Long bit = Args.parseLong(args.get(3));
        if (bit == null || bit != 0 && bit != 1) {
            throw Args.error("bit is not an integer or out of range");
        }
        byte[] value = keys.string(args.get(1));
        int byteIndex = (int) (offset >>> 3);
        byte[] changed = value == null ? new byte[byteIndex + 1]
                : Arrays.copyOf(value, Math.max(value.length, byteIndex + 1));
        int shift = 7 - (int) (offset & 7);
        long previous = (changed[byteIndex] >> shift) & 1;
        changed[byteIndex] = (byte) (bit == 1 ? changed[byteIndex] | (1 << shift) : changed[byteIndex] & ~(1 << shift));
        keys.setString(args.get(1), changed, Mutations.KEEP_DEADLINE);
        keys.keyspaceEvent('$', "setbit", args.get(1));
        return previous;
    }

    /** The range of a BITCOUNT or BITPOS, in bits, clamped as Redis clamps it; {@code null} if empty. */
    private static long[] bitRange(byte[] value, List<byte[]> args, int from, boolean endGiven) {
        long start = Args.integer(args.get(from));
        long end = endGiven ? Args.integer(args.get(from + 1)) : -1;
        boolean bits = false;
        int unitAt = from + 2;
        if (args.size() > unitAt) {
            if (Args.is(args.get(unitAt), "bit")) {
                bits = true;
            }
            else if (!Args.is(args.get(unitAt), "byte")) {
                throw Args.syntaxError();
            }
        }
        long total = bits ? (long) value.length * 8 : value.length;
        if (start < 0) {
            start = total + start;
        }
        if (end < 0) {
            end = total + end;
        }
        start = Math.max(0, start);
        end = Math.max(0, end);
        end = Math.min(end, total - 1);
        if (start > end) {
            return null;
        }
        return bits ? new long[] { start, end } : new long[] { start * 8, end * 8 + 7 };
    }

    private static Object bitcount(Keyspace keys, List<byte[]> args) {
        if (args.size() == 3 || args.size() > 5) {
            throw Args.syntaxError();
        }
        byte[] value = keys.string(args.get(1));
        if (args.size() > 2) {
            Args.integer(args.get(2));
            Args.integer(args.get(3));
        }
        if (value == null) {
            return 0L;
        }
        long[] range = args.size() == 2 ? new long[] { 0, (long) value.length * 8 - 1 } : bitRange(value, args, 2, true);
        if (range == null) {
            return 0L;
        }
        long count = 0;
        for (long bit = range[0]; bit <= range[1]; bit++) {
            count += (value[(int) (bit >>> 3)] >> (7 - (int) (bit & 7))) & 1;
        }
        return count;
    }

    private static Object bitpos(Keyspace keys, List<byte[]> args) {
        if (args.size() > 6) {
            throw Args.syntaxError();
        }
        Long bit = Args.parseLong(args.get(2));
        if (bit == null || bit != 0 && bit != 1) {
            throw Args.error("The bit argument must be 1 or 0.");
        }
        byte[] value = keys.string(args.get(1));
        boolean endGiven = args.size() >= 5;
        if (args.size() >= 4) {
            Args.integer(args.get(3));
        }
        if (endGiven) {
            Args.integer(args.get(4));
        }
        if (value == null) {
            return bit == 1 ? -1L : 0L;
        }
        long[] range = args.size() >= 4 ? bitRange(value, args, 3, endGiven)
                : new long[] { 0, (long) value.length * 8 - 1 };
        if (range == null) {
            return -1L;
        }
        for (long i = range[0]; i <= range[1]; i++) {
            if (((value[(int) (i >>> 3)] >> (7 - (int) (i & 7))) & 1) == bit) {
                return i;
            }
        }
        // Looking for a clear bit with no end given: the string counts as padded with zeros.
        return bit == 0 && !endGiven ? range[1] + 1 : -1L;
    }

    private static Object bitop(Keyspace ks, List<byte[]> args) {
        Mutations keys = (Mutations) ks;
        String op = Args.lower(args.get(1));
        if (!List.of("and", "or", "xor", "not").contains(op)) {
            throw Args.syntaxError();
        }
        if (op.equals("not") && args.size() != 4) {
            throw Args.error("BITOP NOT must be called with a single source key.");
        }
        List<byte[]> sources = new ArrayList<>();
        int longest = 0;
        for (int i = 3; i < args.size(); i++) {
            byte[] value = keys.string(args.get(i));
            sources.add(value == null ? new byte[0] : value);
            longest = Math.max(longest, value == null ? 0 : value.length);
        }
        byte[] result = new byte[longest];
        for (int b = 0; b < longest; b++) {
            int acc = b < sources.get(0).length ? sources.get(0)[b] & 0xff : 0;
            if (op.equals("not")) {
                acc = ~acc & 0xff;
            }
            for (int s = 1; s < sources.size(); s++) {
                int v = b < sources.get(s).length ? sources.get(s)[b] & 0xff : 0;
                acc = switch (op) {
                    case "and" -> acc & v;
                    case "or" -> acc | v;
                    default -> acc ^ v;
                };
            }
            result[b] = (byte) acc;
        }
        if (longest == 0) {
            if (keys.delete(args.get(2))) {
                keys.keyspaceEvent('g', "del", args.get(2));
            }
        }
        else {
            keys.setString(args.get(2), result, 0);
            keys.keyspaceEvent('$', "set", args.get(2));
        }
        return (long) longest;
    }

    private static Object lcs(Keyspace keys, List<byte[]> args) {
        boolean len = false;
        boolean idx = false;
        boolean withMatchLen = false;
        long minMatchLen = 0;
        for (int i = 3; i < args.size(); i++) {
            String option = Args.lower(args.get(i));
            switch (option) {
                case "len" -> len = true;
                case "idx" -> idx = true;
                case "withmatchlen" -> withMatchLen = true;
                case "minmatchlen" -> {
                    if (i + 1 >= args.size()) {
                        throw Args.syntaxError();
                    }
                    minMatchLen = Math.max(0, Args.integer(args.get(++i)));
                }
                default -> throw Args.syntaxError();
            }
        }
        if (len && idx) {
            throw Args.error("If you want both the length and indexes, please just use IDX.");
        }
        byte[] a;
        byte[] b;
        try {
            a = keys.string(args.get(1));
            b = keys.string(args.get(2));
        }
        catch (io.keystonelight.store.WrongTypeException ex) {
            throw Args.error("The specified keys must contain string values");
        }
        a = a == null ? new byte[0] : a;
        b = b == null ? new byte[0] : b;
        if ((long) (a.length + 1) * (b.length + 1) > 64L * 1024 * 1024) {
            throw Args.error("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        }
        int[][] dp = new int[a.length + 1][b.length + 1];
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                dp[i][j] = a[i - 1] == b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
            }
        }
        int total = dp[a.length][b.length];
        if (len) {
            return (long) total;
        }
        byte[] common = new byte[total];
        List<Object> matches = new ArrayList<>();
        int i = a.length;
        int j = b.length;
        int k = total;
        long aEnd = -1;
        long bEnd = -1;
        long runLength = 0;
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                common[--k] = a[i - 1];
                if (runLength == 0) {
                    aEnd = i - 1;
                    bEnd = j - 1;
                    runLength = 1;
                }
                else if (aEnd - runLength == i - 1 && bEnd - runLength == j - 1) {
                    runLength++;
                }
                else {
                    emit = true;
                }
                i--;
                j--;
            }
            else if (dp[i - 1][j] > dp[i][j - 1]) {
                i--;
            }
            else {
                j--;
            }
            // Redis emits the run it was building once the next match does not extend it, or at the end.
            if (emit) {
                addMatch(matches, aEnd, bEnd, runLength, minMatchLen, withMatchLen);
                aEnd = i;
                bEnd = j;
                runLength = 1;
            }
        }
        if (runLength > 0) {
            addMatch(matches, aEnd, bEnd, runLength, minMatchLen, withMatchLen);
        }
        if (!idx) {
            return common;
        }
        return List.of(Args.bytes("matches"), matches, Args.bytes("len"), (long) total);
    }

    private static void addMatch(List<Object> matches, long aEnd, long bEnd, long length, long minMatchLen,
            boolean withMatchLen) {
        if (length < minMatchLen) {
            return;
        }
        List<Object> match = new ArrayList<>();
        match.add(List.of(aEnd - length + 1, aEnd));
        match.add(List.of(bEnd - length + 1, bEnd));
        if (withMatchLen) {
            match.add(length);
        }
        matches.add(match);
    }
}
