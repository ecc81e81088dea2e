package io.keystonelight.protocol.resp;

/**
 * Glob-style matching of bytes, as Redis's {@code stringmatchlen} does for KEYS, SCAN MATCH and
 * CONFIG GET: {@code *}, {@code ?}, {@code [abc]}, {@code [^a-z]}, and {@code \} to escape.
 */
public final class Glob {

    private Glob() {
    }

    public static boolean matches(byte[] pattern, byte[] string) {
        return matches(pattern, 0, string, 0, 0);
    }

    private static boolean matches(byte[] p, int pi, byte[] s, int si, int depth) {
        if (depth > 1000) {
            return false; // as Redis: a pathological pattern does not recurse without bound
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
                    for (int from = si; from < s.length; from++) {
                        if (matches(p, pi + 1, s, from, depth + 1)) {
                            return true;
                        }
                    }
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
                        if (pi >= p.length) {
                            pi--; // an unclosed class: as Redis, the end of the pattern closes it
                            break;
                        }
                        if (p[pi] == '\\' && pi + 1 < p.length) {
                            pi++;
                            if (p[pi] == s[si]) {
                                match = true;
                            }
                        }
                        else if (p[pi] == ']') {
                            break;
                        }
                        else if (pi + 2 < p.length && p[pi + 1] == '-') {
                            int start = p[pi] & 0xff;
                            int end = p[pi + 2] & 0xff;
                            int c = s[si] & 0xff;
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
        }
        while (pi < p.length && p[pi] == '*') {
            pi++;
        }
        return pi == p.length && si == s.length;
    }
}
