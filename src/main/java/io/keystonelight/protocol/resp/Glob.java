package io.keystonelight.protocol.resp;

/**
 * Glob-style matching of bytes, as Redis 7.0's {@code stringmatchlen} does for KEYS, SCAN MATCH
 * and CONFIG GET: {@code *}, {@code ?}, {@code [abc]}, {@code [^a-z]}, and {@code \} to escape.
 *
 * <p>Costs at most O(pattern x string) per string. A plain backtracking matcher tries every split
 * of the string between the stars, which is exponential in their number: {@code a*a*a*...*b}
 * with 20 stars against a 40-byte key did not finish in minutes. As Redis, once the rest of the
 * pattern after a star has failed to match from every later position, no earlier star can help
 * by taking more bytes (the rest would then have to match even later), so the whole match fails
 * at once. Each star is then tried at each position at most once.
 */
public final class Glob {

    /** Redis's bound on nested stars: a pattern with more never matches past them. */
    private static final int MAX_NESTING = 1000;

    private Glob() {
    }

    public static boolean matches(byte[] pattern, byte[] string) {
        return matches(pattern, 0, string, 0, new boolean[1], 0);
    }

    /**
     * Byte for byte Redis's {@code stringmatchlen_impl}; bytes compare signed, as C's {@code char}
     * does on the platforms Redis is built for, so that ranges with bytes above 127 agree too.
     *
     * @param skipLongerMatches set once the rest of the pattern after a star failed everywhere
     */
    private static boolean matches(byte[] p, int pi, byte[] s, int si, boolean[] skipLongerMatches, int nesting) {
        if (nesting > MAX_NESTING) {
            return false;
        }
        while (pi < p.length && si < s.length) {
            switch (p[pi]) {
                case '*' -> {
                    while (pi + 1 < p.length && p[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == p.length) {
                        return true;
                    }
                    while (si < s.length) {
                        if (matches(p, pi + 1, s, si, skipLongerMatches, nesting + 1)) {
                            return true;
                        }
                        if (skipLongerMatches[0]) {
                            return false;
                        }
                        si++;
                    }
                    skipLongerMatches[0] = true;
                    return false;
                }
                case '?' -> si++;
                case '[' -> {
                    pi++;
                    boolean not = pi < p.length && p[pi] == '^';
                    if (not) {
                        pi++;
                    }
                    boolean match = false;
                    while (true) {
                        if (pi + 1 < p.length && p[pi] == '\\') {
                            pi++;
                            if (p[pi] == s[si]) {
                                match = true;
                            }
                        }
                        else if (pi < p.length && p[pi] == ']') {
                            break;
                        }
                        else if (pi >= p.length) {
                            // An unclosed class: the end of the pattern closes it.
                            pi--;
                            break;
                        }
                        else if (pi + 2 < p.length && p[pi + 1] == '-') {
                            int start = p[pi];
                            int end = p[pi + 2];
                            int c = s[si];
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            pi += 2;
                            if (c >= start && c <= end) {
                                match = true;
                            }
                        }
                        else if (p[pi] == s[si]) {
                            match = true;
                        }
                        pi++;
                    }
                    if (not) {
                        match = !match;
                    }
                    if (!match) {
                        return false;
                    }
                    si++;
                }
                case '\\' -> {
                    if (pi + 1 < p.length) {
                        pi++;
                    }
                    if (p[pi] != s[si]) {
                        return false;
                    }
                    si++;
                }
                default -> {
                    if (p[pi] != s[si]) {
                        return false;
                    }
                    si++;
                }
            }
            pi++;
            if (si == s.length) {
                while (pi < p.length && p[pi] == '*') {
                    pi++;
                }
                break;
            }
        }
        return pi == p.length && si == s.length;
    }
}
