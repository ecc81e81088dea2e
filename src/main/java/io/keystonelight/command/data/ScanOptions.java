package io.keystonelight.command.data;

import java.util.List;

/** The cursor and {@code MATCH}/{@code COUNT} options of HSCAN, SSCAN and ZSCAN, read as Redis reads them. */
record ScanOptions(long cursor, byte[] pattern, long count) {

    static ScanOptions parse(List<byte[]> args, int cursorAt) {
        Long cursor = Args.parseLong(args.get(cursorAt));
        if (cursor == null) {
            throw Args.error("invalid cursor");
        }
        byte[] pattern = null;
        long count = 10;
        for (int i = cursorAt + 1; i < args.size(); i++) {
            boolean hasValue = i + 1 < args.size();
            if (Args.is(args.get(i), "match") && hasValue) {
                pattern = args.get(++i);
                if (pattern.length == 1 && pattern[0] == '*') {
                    pattern = null;
                }
            }
            else if (Args.is(args.get(i), "count") && hasValue) {
                count = Args.integer(args.get(++i));
                if (count < 1) {
                    throw Args.syntaxError();
                }
            }
            else {
                throw Args.syntaxError();
            }
        }
        return new ScanOptions(cursor, pattern, count);
    }
}
