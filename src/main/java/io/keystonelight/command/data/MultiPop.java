package io.keystonelight.command.data;

import java.util.List;

/**
 * The arguments of LMPOP and ZMPOP, read as Redis's {@code lmpopGenericCommand} and
 * {@code zmpopGenericCommand} read them: {@code numkeys key... <end> [COUNT count]}.
 *
 * @param keysEnd the position after the last key
 * @param first whether the end named is the first of the two ({@code LEFT}, {@code MIN})
 */
record MultiPop(int keysEnd, boolean first, long count) {

    static MultiPop parse(List<byte[]> args, String firstEnd, String secondEnd) {
        long numkeys = Args.inRange(args.get(1), 1, Long.MAX_VALUE, "numkeys should be greater than 0");
        long endAt = 2 + numkeys;
        if (endAt >= args.size()) {
            throw Args.syntaxError();
        }
        boolean first;
        if (Args.is(args.get((int) endAt), firstEnd)) {
            first = true;
        }
        else if (Args.is(args.get((int) endAt), secondEnd)) {
            first = false;
        }
        else {
            throw Args.syntaxError();
        }
        long count = -1;
        for (int i = (int) endAt + 1; i < args.size(); i++) {
            if (count == -1 && Args.is(args.get(i), "count") && i + 1 < args.size()) {
                count = Args.inRange(args.get(++i), 1, Long.MAX_VALUE, "count should be greater than 0");
            }
            else {
                throw Args.syntaxError();
            }
        }
        return new MultiPop((int) endAt, first, count == -1 ? 1 : count);
    }
}
