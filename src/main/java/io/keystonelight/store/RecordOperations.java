package io.keystonelight.store;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Replays the records of other types, deadlines and renames: each is the {@link Mutations} call
 * that wrote it (a dump of a collection, which compaction writes, is several in one record).
 */
final class RecordOperations {

    private RecordOperations() {
    }

    static void replay(Mutations keys, String tag, List<byte[]> f) {
        switch (tag) {
            case "setat" -> {
                fields(tag, f, 3, "<key>|<unix ms>|<value>");
                keys.setString(f.get(0), f.get(2), number(f.get(1)));
            }
            case "pexpireat" -> {
                fields(tag, f, 2, "<key>|<unix ms>");
                keys.expireAt(f.get(0), number(f.get(1)));
            }
            case "persist" -> {
                fields(tag, f, 1, "<key>");
                keys.persist(f.get(0));
            }
            case "rename" -> {
                fields(tag, f, 2, "<from>|<to>");
                if (keys.value(f.get(0)) == null) {
                    throw new IllegalArgumentException("a rename record of a key that does not exist");
                }
                keys.rename(f.get(0), f.get(1));
            }
            case "hset" -> {
                pairs(tag, f, "<key>|<field>|<value>...");
                for (int i = 1; i < f.size(); i += 2) {
                    keys.hashSet(f.get(0), f.get(i), f.get(i + 1));
                }
            }
            case "hdel" -> {
                fields(tag, f, 2, "<key>|<field>");
                keys.hashDelete(f.get(0), f.get(1));
            }
            case "lpush", "rpush" -> {
                atLeast(tag, f, 2, "<key>|<element>...");
                for (int i = 1; i < f.size(); i++) {
                    keys.listPush(f.get(0), tag.equals("lpush"), f.get(i));
                }
            }
            case "lpop", "rpop" -> {
                fields(tag, f, 1, "<key>");
                ListValue list = keys.get(f.get(0), ListValue.class);
                if (list == null) {
                    throw new IllegalArgumentException("a " + tag + " record of a list that does not exist");
                }
                keys.listPop(f.get(0), tag.equals("lpop"));
            }
            case "lset" -> {
                fields(tag, f, 3, "<key>|<index>|<element>");
                keys.listSet(f.get(0), index(f.get(1)), f.get(2));
            }
            case "linsert" -> {
                fields(tag, f, 3, "<key>|<index>|<element>");
                keys.listInsert(f.get(0), index(f.get(1)), f.get(2));
            }
            case "lremat" -> {
                fields(tag, f, 2, "<key>|<index>");
                keys.listRemoveAt(f.get(0), index(f.get(1)));
            }
            case "ltrim" -> {
                fields(tag, f, 3, "<key>|<from>|<to>");
                keys.listKeep(f.get(0), index(f.get(1)), index(f.get(2)));
            }
            case "sadd" -> {
                atLeast(tag, f, 2, "<key>|<member>...");
                for (int i = 1; i < f.size(); i++) {
                    keys.setAdd(f.get(0), f.get(i));
                }
            }
            case "srem" -> {
                fields(tag, f, 2, "<key>|<member>");
                keys.setRemove(f.get(0), f.get(1));
            }
            case "zadd" -> {
                pairs(tag, f, "<key>|<score>|<member>...");
                for (int i = 1; i < f.size(); i += 2) {
                    keys.sortedSetAdd(f.get(0), score(f.get(i)), f.get(i + 1));
                }
            }
            case "zrem" -> {
                fields(tag, f, 2, "<key>|<member>");
                keys.sortedSetRemove(f.get(0), f.get(1));
            }
            default -> throw new IllegalArgumentException("a record with the unknown tag '" + tag + "'");
        }
    }

    private static void fields(String tag, List<byte[]> f, int expected, String form) {
        if (f.size() != expected) {
            throw new IllegalArgumentException("a " + tag + " record has " + f.size() + " fields; expected |" + tag
                    + "|" + form);
        }
    }

    private static void atLeast(String tag, List<byte[]> f, int expected, String form) {
        if (f.size() < expected) {
            throw new IllegalArgumentException("a " + tag + " record has " + f.size() + " fields; expected |" + tag
                    + "|" + form);
        }
    }

    private static void pairs(String tag, List<byte[]> f, String form) {
        if (f.size() < 3 || f.size() % 2 == 0) {
            throw new IllegalArgumentException("a " + tag + " record has " + f.size() + " fields; expected |" + tag
                    + "|" + form);
        }
    }

    private static long number(byte[] field) {
        try {
            return Long.parseLong(new String(field, StandardCharsets.US_ASCII));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("'" + new String(field, StandardCharsets.UTF_8)
                    + "' where a whole number was expected");
        }
    }

    private static int index(byte[] field) {
        long n = number(field);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("index " + n + " out of range");
        }
        return (int) n;
    }

    private static double score(byte[] field) {
        try {
            return Double.parseDouble(new String(field, StandardCharsets.US_ASCII));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("'" + new String(field, StandardCharsets.UTF_8)
                    + "' where a score was expected");
        }
    }
}
