package io.keystonelight.protocol.resp;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Expiry, hashes, the rest of the string family and the keyspace commands, sent to KeystoneLight
 * and to a real redis-server in the same order: every reply, errors and {@code WRONGTYPE}
 * included, must be the same bytes. Replies that depend on the clock are kept to whole seconds
 * far from a boundary (a TTL of 100 s reads 100 on both).
 */
class RespDataTypesAgainstRedisTest extends ServerBesideRedis {

    private static final List<List<String>> EXPIRY = List.of(
            List.of("SET", "k", "v", "EX", "100"), List.of("TTL", "k"), List.of("SET", "k", "v", "PX", "100000"),
            List.of("TTL", "k"), List.of("SET", "k", "v", "EXAT", "4102444800"), List.of("EXPIRETIME", "k"),
            List.of("PEXPIRETIME", "k"), List.of("SET", "k", "v", "PXAT", "4102444800123"), List.of("PEXPIRETIME", "k"),
            List.of("SET", "k", "v2", "KEEPTTL"), List.of("PEXPIRETIME", "k"), List.of("SET", "k", "v3"),
            List.of("TTL", "k"), List.of("SET", "k", "v", "EX", "0"), List.of("SET", "k", "v", "EX", "-5"),
            List.of("SET", "k", "v", "EX", "x"), List.of("SET", "k", "v", "EX"), List.of("SET", "k", "v", "EX", "10",
                    "PX", "10"),
            List.of("SET", "k", "v", "EX", "10", "KEEPTTL"), List.of("SET", "k", "v", "NX", "EX", "10"),
            List.of("SET", "k", "v4", "XX", "GET", "EX", "100"), List.of("TTL", "k"),
            List.of("SET", "k", "v", "EX", "9223372036854775807"), List.of("SET", "gone", "v", "PXAT", "1"),
            List.of("GET", "gone"), List.of("EXISTS", "gone"),
            List.of("EXPIRE", "k", "200"), List.of("TTL", "k"), List.of("EXPIRE", "k", "300", "NX"),
            List.of("EXPIRE", "k", "300", "XX"), List.of("EXPIRE", "k", "100", "GT"), List.of("EXPIRE", "k", "400", "GT"),
            List.of("EXPIRE", "k", "500", "LT"), List.of("EXPIRE", "k", "150", "LT"), List.of("TTL", "k"),
            List.of("EXPIRE", "k", "10", "NX", "XX"), List.of("EXPIRE", "k", "10", "GT", "LT"),
            List.of("EXPIRE", "k", "10", "BOGUS"), List.of("EXPIRE", "k", "x"), List.of("EXPIRE", "k"),
            List.of("EXPIRE", "missing", "10"), List.of("TTL", "missing"), List.of("PTTL", "missing"),
            List.of("PERSIST", "k"), List.of("PERSIST", "k"), List.of("TTL", "k"), List.of("PTTL", "k"),
            List.of("PERSIST", "missing"), List.of("EXPIRE", "k", "10", "XX"), List.of("EXPIRE", "k", "10", "LT"),
            List.of("TTL", "k"), List.of("EXPIRE", "k", "9223372036854775807"),
            List.of("PEXPIRE", "k", "100000"), List.of("TTL", "k"), List.of("EXPIREAT", "k", "4102444800"),
            List.of("EXPIRETIME", "k"), List.of("PEXPIREAT", "k", "4102444800999"), List.of("EXPIRETIME", "k"),
            List.of("EXPIRE", "k", "-1"), List.of("EXISTS", "k"), List.of("SETEX", "s", "100", "v"),
            List.of("TTL", "s"), List.of("SETEX", "s", "0", "v"), List.of("SETEX", "s", "x", "v"), List.of("SETEX", "s"),
            List.of("PSETEX", "s", "100000", "v"), List.of("TTL", "s"), List.of("PSETEX", "s", "-1", "v"),
            List.of("GETEX", "s"), List.of("GETEX", "s", "PERSIST"), List.of("TTL", "s"),
            List.of("GETEX", "s", "EX", "100"), List.of("TTL", "s"), List.of("GETEX", "s", "PX", "0"),
            List.of("GETEX", "s", "EX"), List.of("GETEX", "s", "EX", "1", "PERSIST"), List.of("GETEX", "missing"),
            List.of("GETEX", "s", "EXAT", "1"), List.of("EXISTS", "s"), List.of("TTL"), List.of("PERSIST"));

    private static final List<List<String>> HASHES = List.of(
            List.of("HSET", "h", "f1", "v1", "f2", "v2"), List.of("HSET", "h", "f1", "x", "f3", "v3"),
            List.of("HSET", "h", "f1"), List.of("HSET", "h"), List.of("HGET", "h", "f1"), List.of("HGET", "h", "no"),
            List.of("HGET", "nohash", "f"), List.of("HGETALL", "h"), List.of("HKEYS", "h"), List.of("HVALS", "h"),
            List.of("HLEN", "h"), List.of("HLEN", "nohash"), List.of("HEXISTS", "h", "f2"),
            List.of("HEXISTS", "h", "no"), List.of("HSTRLEN", "h", "f3"), List.of("HSTRLEN", "h", "no"),
            List.of("HMGET", "h", "f1", "no", "f2"), List.of("HMGET", "nohash", "a"), List.of("HMGET", "h"),
            List.of("HMSET", "h", "f4", "v4"), List.of("HMSET", "h", "f4"), List.of("HSETNX", "h", "f4", "z"),
            List.of("HSETNX", "h", "f5", "z"), List.of("HDEL", "h", "f5", "no", "f4"), List.of("HDEL", "nohash", "f"),
            List.of("HDEL", "h"), List.of("HINCRBY", "h", "n", "5"), List.of("HINCRBY", "h", "n", "-8"),
            List.of("HINCRBY", "h", "f1", "1"), List.of("HINCRBY", "h", "n", "x"),
            List.of("HINCRBY", "h", "n", "9223372036854775807"), List.of("HINCRBYFLOAT", "h", "fl", "10.5"),
            List.of("HINCRBYFLOAT", "h", "fl", "0.1"), List.of("HINCRBYFLOAT", "h", "fl", "-10.6"),
            List.of("HINCRBYFLOAT", "h", "fl", "x"), List.of("HINCRBYFLOAT", "h", "f1", "1"),
            List.of("HINCRBYFLOAT", "h", "fl", "inf"), List.of("HINCRBYFLOAT", "h", "e", "1e3"),
            List.of("HGETALL", "h"), List.of("HSCAN", "h", "0"), List.of("HSCAN", "h", "0", "MATCH", "f*"),
            List.of("HSCAN", "h", "0", "COUNT", "0"), List.of("HSCAN", "h", "x"), List.of("HSCAN", "nohash", "0"),
            List.of("HRANDFIELD", "nohash"), List.of("HRANDFIELD", "nohash", "3"), List.of("HRANDFIELD", "h", "0"),
            List.of("HRANDFIELD", "h", "1", "BOGUS"), List.of("TYPE", "h"), List.of("OBJECT", "ENCODING", "h"),
            List.of("SET", "str", "value"), List.of("HGET", "str", "f"), List.of("HSET", "str", "f", "v"),
            List.of("HGETALL", "str"), List.of("HLEN", "str"), List.of("HDEL", "str", "f"), List.of("GET", "h"),
            List.of("INCR", "h"), List.of("APPEND", "h", "x"), List.of("STRLEN", "h"), List.of("GETDEL", "h"),
            List.of("SET", "h", "v", "GET"), List.of("GETSET", "h", "v"), List.of("MGET", "h", "str"),
            List.of("SET", "h", "now-a-string"), List.of("TYPE", "h"), List.of("HDEL", "h2", "x"),
            List.of("HSET", "h2", "only", "1"), List.of("HDEL", "h2", "only"), List.of("EXISTS", "h2"),
            List.of("HSET", "h3", "a", "1"), List.of("EXPIRE", "h3", "100"), List.of("HSET", "h3", "b", "2"),
            List.of("TTL", "h3"), List.of("DEL", "h3"), List.of("EXISTS", "h3"));

    private static final List<List<String>> STRINGS_AND_KEYS = List.of(
            List.of("SET", "s", "Hello World"), List.of("GETRANGE", "s", "0", "4"), List.of("GETRANGE", "s", "-5", "-1"),
            List.of("GETRANGE", "s", "5", "2"), List.of("GETRANGE", "s", "-1", "-5"), List.of("GETRANGE", "s", "0", "100"),
            List.of("GETRANGE", "missing", "0", "1"), List.of("GETRANGE", "s", "x", "1"), List.of("SUBSTR", "s", "1", "3"),
            List.of("SETRANGE", "s", "6", "Redis"), List.of("GET", "s"), List.of("SETRANGE", "pad", "5", "x"),
            List.of("GET", "pad"), List.of("SETRANGE", "empty", "3", ""), List.of("EXISTS", "empty"),
            List.of("SETRANGE", "s", "-1", "x"), List.of("SETRANGE", "s", "536870911", "xx"),
            List.of("MSETNX", "m1", "a", "m2", "b"), List.of("MSETNX", "m2", "c", "m3", "d"), List.of("MGET", "m1", "m2", "m3"),
            List.of("MSETNX", "m1"), List.of("GETSET", "m1", "z"), List.of("GETSET", "newkey", "z"),
            List.of("SET", "f", "10.5"), List.of("INCRBYFLOAT", "f", "0.1"), List.of("INCRBYFLOAT", "f", "-5"),
            List.of("INCRBYFLOAT", "f", "2.0e2"), List.of("INCRBYFLOAT", "f2", "3.0e3"), List.of("INCRBYFLOAT", "f2", "1.1"),
            List.of("INCRBYFLOAT", "f", "abc"), List.of("INCRBYFLOAT", "s", "1"), List.of("INCRBYFLOAT", "f", "inf"),
            List.of("INCRBYFLOAT", "f3", "5"), List.of("INCRBYFLOAT", "f3", "-5"),
            List.of("SETBIT", "b", "7", "1"), List.of("SETBIT", "b", "7", "0"), List.of("SETBIT", "b", "100", "1"),
            List.of("SETBIT", "b", "-1", "1"), List.of("SETBIT", "b", "1", "2"), List.of("GETBIT", "b", "100"),
            List.of("GETBIT", "b", "1000"), List.of("GETBIT", "missing", "3"), List.of("BITCOUNT", "b"),
            List.of("SET", "bc", "foobar"), List.of("BITCOUNT", "bc"), List.of("BITCOUNT", "bc", "0", "0"),
            List.of("BITCOUNT", "bc", "1", "1"), List.of("BITCOUNT", "bc", "1", "1", "BIT"),
            List.of("BITCOUNT", "bc", "5", "30", "BIT"), List.of("BITCOUNT", "bc", "-2", "-1"),
            List.of("BITCOUNT", "bc", "0"), List.of("BITCOUNT", "bc", "0", "1", "BOGUS"), List.of("BITCOUNT", "missing"),
            List.of("SET", "bp", "\u00ff\u00f0\u0000"), List.of("BITPOS", "bp", "0"), List.of("BITPOS", "bp", "1", "2"),
            List.of("BITPOS", "bp", "1", "2", "-1", "BYTE"), List.of("BITPOS", "bp", "1", "7", "15", "BIT"),
            List.of("BITPOS", "missing", "0"), List.of("BITPOS", "missing", "1"), List.of("BITPOS", "bp", "2"),
            List.of("SET", "o1", "abc"), List.of("SET", "o2", "a"), List.of("BITOP", "AND", "dest", "o1", "o2"),
            List.of("GET", "dest"), List.of("BITOP", "OR", "dest", "o1", "o2"), List.of("GET", "dest"),
            List.of("BITOP", "XOR", "dest", "o1", "o2"), List.of("GET", "dest"), List.of("BITOP", "NOT", "dest", "o1"),
            List.of("GET", "dest"), List.of("BITOP", "NOT", "dest", "o1", "o2"), List.of("BITOP", "BOGUS", "dest", "o1"),
            List.of("SET", "a", "ohmytext"), List.of("SET", "b", "mynewtext"), List.of("LCS", "a", "b"),
            List.of("LCS", "a", "b", "LEN"), List.of("LCS", "a", "b", "IDX"), List.of("LCS", "a", "b", "IDX",
                    "MINMATCHLEN", "4", "WITHMATCHLEN"),
            List.of("LCS", "a", "b", "LEN", "IDX"), List.of("LCS", "a", "missing"), List.of("LCS", "a"),
            List.of("RENAME", "a", "a2"), List.of("GET", "a2"), List.of("RENAME", "a", "a3"), List.of("RENAMENX", "a2", "b"),
            List.of("RENAMENX", "a2", "a4"), List.of("SET", "t", "v", "EX", "100"), List.of("RENAME", "t", "t2"),
            List.of("TTL", "t2"), List.of("COPY", "t2", "t3"), List.of("TTL", "t3"), List.of("COPY", "t2", "t3"),
            List.of("COPY", "t2", "t3", "REPLACE"), List.of("COPY", "t2", "t2"), List.of("COPY", "missing", "x"),
            List.of("COPY", "t2", "t4", "DB", "0"), List.of("COPY", "t2", "t5", "BOGUS"), List.of("HSET", "hh", "f", "v"),
            List.of("COPY", "hh", "hh2"), List.of("HGETALL", "hh2"), List.of("TOUCH", "hh", "missing", "t2"),
            List.of("TOUCH"), List.of("TYPE", "hh2"), List.of("TYPE", "t2"), List.of("TYPE", "missing"),
            List.of("OBJECT", "ENCODING", "t2"), List.of("SET", "num", "12345"), List.of("OBJECT", "ENCODING", "num"),
            List.of("SET", "long", "x".repeat(50)), List.of("OBJECT", "ENCODING", "long"),
            List.of("OBJECT", "ENCODING", "missing"), List.of("OBJECT", "REFCOUNT", "long"),
            List.of("OBJECT", "FREQ", "long"), List.of("OBJECT", "BOGUS", "x"), List.of("OBJECT"),
            List.of("OBJECT", "HELP"), List.of("RANDOMKEY", "x"), List.of("SET", "onlykey", "v"));

    @Test
    void expiryCommandsAnswerAsRedis() {
        assertSameRepliesAsRedis(EXPIRY);
    }

    @Test
    void hashCommandsAndWrongTypeAnswerAsRedis() {
        assertSameRepliesAsRedis(HASHES);
    }

    @Test
    void stringAndKeyspaceCommandsAnswerAsRedis() {
        assertSameRepliesAsRedis(STRINGS_AND_KEYS);
    }

    @Test
    void randomKeyOfOneKeyIsThatKey() {
        assertSameRepliesAsRedis(List.of(List.of("RANDOMKEY"), List.of("SET", "only", "v"), List.of("RANDOMKEY"),
                List.of("DBSIZE"), List.of("SET", "short", "v", "PX", "1")));
    }
}
