package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lists, sets and sorted sets, sent to KeystoneLight and to a real redis-server in the same order:
 * every reply, errors and {@code WRONGTYPE} included, must be the same bytes. Where Redis leaves the
 * order open (the members of a hashtable set) the elements are compared sorted; where it picks at
 * random (SPOP, SRANDMEMBER, ZRANDMEMBER) only how many it returned, and what is left is compared after.
 */
class RespCollectionsAgainstRedisTest extends ServerBesideRedis {


    private enum Compare {
        EXACT, SORTED, COUNT
    }

    private record Request(Compare how, List<String> args) {
    }


    private static Request r(String... args) {
        return new Request(Compare.EXACT, List.of(args));
    }

    private static Request sorted(String... args) {
        return new Request(Compare.SORTED, List.of(args));
    }

    private static Request count(String... args) {
        return new Request(Compare.COUNT, List.of(args));
    }

    @Test
    void setCommandsAnswerAsRedis() {
        compare(List.of(r("SADD", "s", "3", "1", "2", "1"), r("SADD", "s", "2", "10"), r("SMEMBERS", "s"),
                r("SADD", "s"), r("SCARD", "s"), r("SCARD", "nos"), r("SISMEMBER", "s", "3"),
                r("SISMEMBER", "s", "9"), r("SISMEMBER", "nos", "1"), r("SMISMEMBER", "s", "1", "9", "10"),
                r("SMISMEMBER", "nos", "a"), r("SMISMEMBER", "s"), r("SREM", "s", "1", "9"), r("SREM", "nos", "1"),
                r("SREM", "s"), r("SMEMBERS", "s"), r("SMEMBERS", "nos"),
                sorted("SADD", "w", "apple", "pear", "fig", "kiwi"), sorted("SMEMBERS", "w"),
                r("SADD", "x", "fig", "plum", "kiwi"), sorted("SINTER", "w", "x"), r("SINTER", "w", "nos"),
                r("SINTER", "nos", "w"), r("SINTER", "s"), sorted("SUNION", "w", "x", "nos"),
                sorted("SDIFF", "w", "x", "nos"), r("SDIFF", "nos", "w"), r("SDIFF", "s"),
                r("SADD", "t", "2", "5", "10", "7"), r("SINTER", "s", "t"), r("SUNION", "s", "t"),
                r("SDIFF", "t", "s"), r("SINTERSTORE", "d", "w", "x"), sorted("SMEMBERS", "d"),
                r("SINTERSTORE", "d", "w", "nos"), r("EXISTS", "d"), r("SUNIONSTORE", "d", "s", "t"),
                r("SMEMBERS", "d"), r("SDIFFSTORE", "d", "d", "s"), r("SMEMBERS", "d"),
                r("SDIFFSTORE", "d", "nos", "s"), r("EXISTS", "d"), r("SINTERCARD", "2", "w", "x"),
                r("SINTERCARD", "2", "w", "x", "LIMIT", "1"), r("SINTERCARD", "2", "w", "x", "LIMIT", "0"),
                r("SINTERCARD", "1", "nos"), r("SINTERCARD", "0", "w"), r("SINTERCARD", "x", "w"),
                r("SINTERCARD", "3", "w", "x"), r("SINTERCARD", "2", "w", "x", "LIMIT", "-1"),
                r("SINTERCARD", "2", "w", "x", "BOGUS"), r("SINTERCARD", "1", "w", "LIMIT"),
                r("SMOVE", "s", "t", "2"), r("SMOVE", "s", "t", "3"), r("SMOVE", "s", "t", "99"),
                r("SMOVE", "nos", "t", "1"), r("SMEMBERS", "s"), r("SMEMBERS", "t"), r("SMOVE", "t", "t", "5"),
                r("SMOVE", "t", "t", "99"), r("SMOVE", "s", "fresh", "10"), r("EXISTS", "s"),
                r("SMEMBERS", "fresh"), r("SET", "str", "v"), r("SMOVE", "t", "str", "5"),
                r("SMOVE", "str", "t", "5"), r("SMOVE", "nos", "str", "5"), r("SMEMBERS", "t"),
                r("SADD", "str", "a"), r("SREM", "str", "a"), r("SMEMBERS", "str"), r("SCARD", "str"),
                r("SISMEMBER", "str", "a"), r("SMISMEMBER", "str", "a"), r("SINTER", "t", "str"),
                r("SINTER", "nos", "str"), r("SUNION", "t", "str"), r("SDIFF", "nos", "str"),
                r("SINTERSTORE", "d", "t", "str"), r("SINTERCARD", "2", "nos", "str"), r("SPOP", "str"),
                r("SRANDMEMBER", "str"), r("SSCAN", "str", "0"), r("SUNIONSTORE", "str", "t"), r("TYPE", "str"),
                r("SMEMBERS", "str"), r("SSCAN", "t", "0"), r("SSCAN", "t", "0", "MATCH", "1*"),
                r("SSCAN", "t", "0", "COUNT", "0"), r("SSCAN", "t", "x"), r("SSCAN", "nos", "0"),
                r("SSCAN", "nos", "x"), r("SSCAN", "t", "0", "BOGUS"), sorted("SSCAN", "w", "0", "MATCH", "*i*"),
                r("SPOP", "nos"), r("SPOP", "nos", "2"), r("SPOP", "t", "0"), r("SPOP", "t", "-1"),
                r("SPOP", "t", "x"), r("SPOP", "t", "1", "2"), count("SPOP", "t"), r("SCARD", "t"),
                count("SPOP", "t", "2"), r("SCARD", "t"), count("SPOP", "t", "10"), r("EXISTS", "t"),
                r("SRANDMEMBER", "nos"), r("SRANDMEMBER", "nos", "3"), r("SRANDMEMBER", "w", "0"),
                count("SRANDMEMBER", "w"), sorted("SRANDMEMBER", "w", "10"), count("SRANDMEMBER", "w", "2"),
                count("SRANDMEMBER", "w", "-7"), count("SRANDMEMBER", "w", "3"), r("SRANDMEMBER", "w", "x"),
                r("SRANDMEMBER", "w", "-9223372036854775808"), r("SRANDMEMBER", "w", "1", "2"),
                r("SADD", "e", "x"), r("EXPIRE", "e", "100"), r("SADD", "e", "y"), r("TTL", "e"),
                r("SREM", "e", "x", "y"), r("EXISTS", "e"), r("SADD", "s")));
    }

    @Test
    void listCommandsAnswerAsRedis() {
        compare(List.of(r("RPUSH", "l", "a", "b", "c"), r("LPUSH", "l", "z", "y"), r("LRANGE", "l", "0", "-1"),
                r("RPUSH", "l"), r("LPUSHX", "nol", "a"), r("RPUSHX", "nol", "a"), r("EXISTS", "nol"),
                r("LPUSHX", "l", "x1", "x2"), r("RPUSHX", "l", "e"), r("LLEN", "l"), r("LLEN", "nol"),
                r("LRANGE", "l", "1", "3"), r("LRANGE", "l", "-3", "-1"), r("LRANGE", "l", "-100", "100"),
                r("LRANGE", "l", "5", "2"), r("LRANGE", "l", "50", "60"), r("LRANGE", "l", "x", "1"),
                r("LRANGE", "nol", "0", "-1"), r("LINDEX", "l", "0"), r("LINDEX", "l", "-1"),
                r("LINDEX", "l", "100"), r("LINDEX", "l", "-100"), r("LINDEX", "l", "x"), r("LINDEX", "nol", "x"),
                r("LSET", "l", "1", "X"), r("LSET", "l", "-1", "E"), r("LSET", "l", "100", "v"),
                r("LSET", "l", "x", "v"), r("LSET", "nol", "0", "v"), r("LRANGE", "l", "0", "-1"),
                r("LINSERT", "l", "BEFORE", "a", "before-a"), r("LINSERT", "l", "after", "E", "last"),
                r("LINSERT", "l", "AFTER", "missing", "v"), r("LINSERT", "nol", "AFTER", "a", "v"),
                r("LINSERT", "l", "ASIDE", "a", "v"), r("LRANGE", "l", "0", "-1"),
                r("RPUSH", "r", "a", "b", "a", "c", "a", "b", "a"), r("LREM", "r", "2", "a"),
                r("LRANGE", "r", "0", "-1"), r("LREM", "r", "-1", "b"), r("LRANGE", "r", "0", "-1"),
                r("LREM", "r", "0", "a"), r("LRANGE", "r", "0", "-1"), r("LREM", "r", "x", "a"),
                r("LREM", "nol", "0", "a"), r("LREM", "r", "0", "b"), r("LREM", "r", "0", "c"), r("EXISTS", "r"),
                r("RPUSH", "t", "1", "2", "3", "4", "5", "6"), r("LTRIM", "t", "1", "-2"), r("LRANGE", "t", "0", "-1"),
                r("LTRIM", "t", "-100", "100"), r("LRANGE", "t", "0", "-1"), r("LTRIM", "t", "x", "1"),
                r("LTRIM", "nol", "0", "1"), r("LTRIM", "t", "3", "1"), r("EXISTS", "t"),
                r("RPUSH", "p", "a", "b", "c", "d", "b", "c", "b"), r("LPOS", "p", "b"), r("LPOS", "p", "b", "RANK", "2"),
                r("LPOS", "p", "b", "RANK", "-1"), r("LPOS", "p", "b", "RANK", "-2", "COUNT", "0"),
                r("LPOS", "p", "b", "COUNT", "0"), r("LPOS", "p", "b", "COUNT", "2"), r("LPOS", "p", "x"),
                r("LPOS", "p", "x", "COUNT", "2"), r("LPOS", "p", "b", "MAXLEN", "3", "COUNT", "0"),
                r("LPOS", "p", "b", "RANK", "0"), r("LPOS", "p", "b", "COUNT", "-1"),
                r("LPOS", "p", "b", "MAXLEN", "-1"), r("LPOS", "p", "b", "RANK"), r("LPOS", "p", "b", "BOGUS", "1"),
                r("LPOS", "p", "b", "RANK", "-9223372036854775808"), r("LPOS", "nol", "b"),
                r("LPOS", "nol", "b", "COUNT", "1"), r("LPOS", "p", "b", "RANK", "9", "COUNT", "0"),
                r("LPOP", "p"), r("RPOP", "p"), r("LPOP", "p", "2"), r("RPOP", "p", "0"), r("LPOP", "p", "-1"),
                r("LPOP", "p", "x"), r("LPOP", "p", "1", "2"), r("LPOP", "nol"), r("LPOP", "nol", "2"),
                r("RPOP", "p", "10"), r("EXISTS", "p"), r("RPUSH", "m", "1", "2", "3"),
                r("LMOVE", "m", "m2", "LEFT", "RIGHT"), r("LMOVE", "m", "m2", "RIGHT", "LEFT"),
                r("LRANGE", "m2", "0", "-1"), r("LMOVE", "m", "m", "LEFT", "RIGHT"), r("LRANGE", "m", "0", "-1"),
                r("EXPIRE", "m", "100"), r("LMOVE", "m", "m", "LEFT", "LEFT"), r("TTL", "m"),
                r("LMOVE", "m", "m2", "UP", "LEFT"), r("LMOVE", "nol", "m2", "LEFT", "LEFT"),
                r("RPOPLPUSH", "m2", "m3"), r("RPOPLPUSH", "nol", "m3"), r("LRANGE", "m3", "0", "-1"),
                r("LMOVE", "m", "m4", "LEFT", "LEFT"), r("EXISTS", "m"), r("LRANGE", "m4", "0", "-1"),
                r("SET", "str", "v"), r("LMOVE", "m2", "str", "LEFT", "LEFT"), r("LRANGE", "m2", "0", "-1"),
                r("LMOVE", "str", "m2", "LEFT", "LEFT"), r("LMOVE", "nol", "str", "LEFT", "LEFT"),
                r("RPUSH", "q1", "a", "b", "c"), r("LMPOP", "2", "nol", "q1", "LEFT"),
                r("LMPOP", "2", "nol", "q1", "RIGHT", "COUNT", "5"), r("LMPOP", "1", "q1", "LEFT"),
                r("LMPOP", "2", "nol", "q1", "LEFT"), r("LMPOP", "0", "q1", "LEFT"), r("LMPOP", "x", "q1", "LEFT"),
                r("LMPOP", "3", "q1", "LEFT"), r("LMPOP", "1", "q1", "UP"), r("LMPOP", "1", "q1", "LEFT", "COUNT", "0"),
                r("LMPOP", "1", "q1", "LEFT", "COUNT", "1", "COUNT", "1"), r("LMPOP", "1", "q1", "LEFT", "BOGUS"),
                r("LMPOP", "2", "str", "m2", "LEFT"), r("LMPOP", "2", "m2", "str", "LEFT"),
                r("LPUSH", "str", "a"), r("RPUSH", "str", "a"), r("LPUSHX", "str", "a"), r("LPOP", "str"),
                r("RPOP", "str", "2"), r("LLEN", "str"), r("LRANGE", "str", "0", "1"), r("LINDEX", "str", "0"),
                r("LSET", "str", "0", "v"), r("LINSERT", "str", "BEFORE", "a", "b"), r("LREM", "str", "0", "a"),
                r("LTRIM", "str", "0", "1"), r("LPOS", "str", "a"), r("RPOPLPUSH", "str", "m2"),
                r("RPUSH", "h", "a"), r("HSET", "h", "f", "v"), r("GET", "h"), r("TYPE", "h")));
    }

    @Test
    void sortedSetCommandsAnswerAsRedis() {
        compare(List.of(r("ZADD", "z", "1", "a", "2", "b", "3", "c"), r("ZADD", "z", "1.5", "a", "0.1", "d"),
                r("ZRANGE", "z", "0", "-1", "WITHSCORES"), r("ZADD", "z", "NX", "9", "a", "4", "e"),
                r("ZADD", "z", "XX", "9", "a", "4", "f"), r("ZADD", "z", "XX", "CH", "9", "a", "4", "f"),
                r("ZADD", "z", "GT", "CH", "1", "a", "10", "b"), r("ZADD", "z", "LT", "CH", "5", "a", "20", "b"),
                r("ZADD", "z", "INCR", "2.5", "c"), r("ZADD", "z", "NX", "INCR", "2.5", "c"),
                r("ZADD", "z", "XX", "INCR", "1", "nope"), r("ZADD", "z", "GT", "INCR", "-1", "c"),
                r("ZADD", "z", "NX", "XX", "1", "a"), r("ZADD", "z", "GT", "LT", "1", "a"),
                r("ZADD", "z", "NX", "GT", "1", "a"), r("ZADD", "z", "INCR", "1", "a", "2", "b"),
                r("ZADD", "z", "1"), r("ZADD", "z", "1", "a", "2"), r("ZADD", "z", "x", "a"),
                r("ZADD", "z", "nan", "a"), r("ZADD", "z", "1e400", "a"), r("ZADD", "z", " 1", "a"),
                r("ZADD", "z", "1 ", "a"), r("ZADD", "z", "CH"), r("ZADD", "z", "1", "a", "x", "b"),
                r("ZADD", "nz", "XX", "1", "a"), r("EXISTS", "nz"), r("ZADD", "z", "1", "dup", "2", "dup"),
                r("ZADD", "z", "CH", "3", "dup", "4", "dup"), r("ZSCORE", "z", "dup"),
                r("ZADD", "inf", "inf", "a", "-inf", "b", "+inf", "c", "0", "d", "-0", "e", "1e-5", "f",
                        "123456789012345678", "g", "0.1", "h", "3.3333333333333335", "i", "1.5e20", "j"),
                r("ZRANGE", "inf", "0", "-1", "WITHSCORES"), r("ZINCRBY", "inf", "-inf", "a"),
                r("ZINCRBY", "inf", "1", "a"), r("ZINCRBY", "inf", "0.2", "h"), r("ZINCRBY", "inf", "x", "h"),
                r("ZINCRBY", "inf", "5", "new"), r("ZINCRBY", "inf", "1"), r("ZADD", "z", "INCR", "inf", "c"),
                r("ZADD", "z", "INCR", "-inf", "c"), r("ZSCORE", "z", "c"), r("ZSCORE", "z", "none"),
                r("ZSCORE", "nz", "a"), r("ZMSCORE", "z", "a", "none", "c"), r("ZMSCORE", "nz", "a"),
                r("ZCARD", "z"), r("ZCARD", "nz"), r("ZREM", "z", "dup", "none"), r("ZREM", "nz", "a"),
                r("ZREM", "z"), r("DEL", "z"), r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"),
                r("ZCOUNT", "z", "2", "4"), r("ZCOUNT", "z", "(2", "(4"), r("ZCOUNT", "z", "-inf", "+inf"),
                r("ZCOUNT", "z", "4", "2"), r("ZCOUNT", "z", "(2", "2"), r("ZCOUNT", "z", "x", "2"),
                r("ZCOUNT", "z", "", "3"), r("ZCOUNT", "z", "(", "3"), r("ZCOUNT", "z", " 2", "3"),
                r("ZCOUNT", "z", "nan", "3"), r("ZCOUNT", "nz", "0", "1"), r("ZRANGE", "z", "1", "-2"),
                r("ZRANGE", "z", "-100", "100", "WITHSCORES"), r("ZRANGE", "z", "3", "1"),
                r("ZRANGE", "z", "0", "-1", "REV"), r("ZRANGE", "z", "(1", "4", "BYSCORE"),
                r("ZRANGE", "z", "4", "(1", "BYSCORE", "REV", "WITHSCORES"),
                r("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "1", "2"),
                r("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "-1", "2"),
                r("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "1", "-1"),
                r("ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "10", "1"),
                r("ZRANGE", "z", "0", "1", "LIMIT", "0", "1"), r("ZRANGE", "z", "0", "1", "REV", "REV"),
                r("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"), r("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
                r("ZRANGE", "z", "0", "1", "LIMIT", "0"), r("ZRANGE", "z", "x", "1"), r("ZRANGE", "nz", "0", "-1"),
                r("ZRANGE", "z", "x", "1", "BYSCORE"), r("ZRANGE", "z", "a", "b", "BYLEX"),
                r("ZRANGEBYSCORE", "z", "2", "+inf", "WITHSCORES", "LIMIT", "0", "2"),
                r("ZRANGEBYSCORE", "z", "2", "4", "BYSCORE"), r("ZREVRANGEBYSCORE", "z", "4", "2"),
                r("ZREVRANGEBYSCORE", "z", "2", "4"), r("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "1"),
                r("ZREVRANGE", "z", "0", "1", "WITHSCORES"), r("ZREVRANGE", "z", "0", "1", "REV"),
                r("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"), r("ZRANK", "z", "c"), r("ZRANK", "z", "none"),
                r("ZRANK", "nz", "a"), r("ZREVRANK", "z", "c"), r("ZREVRANK", "z", "a"),
                r("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f"),
                r("ZLEXCOUNT", "lex", "-", "+"), r("ZLEXCOUNT", "lex", "[b", "(e"), r("ZLEXCOUNT", "lex", "+", "-"),
                r("ZLEXCOUNT", "lex", "b", "e"), r("ZLEXCOUNT", "lex", "+x", "[a"), r("ZLEXCOUNT", "nz", "-", "+"),
                r("ZRANGEBYLEX", "lex", "[b", "[d"), r("ZRANGEBYLEX", "lex", "(b", "+", "LIMIT", "1", "2"),
                r("ZREVRANGEBYLEX", "lex", "+", "[c"), r("ZREVRANGEBYLEX", "lex", "[c", "+"),
                r("ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"), r("ZRANGE", "lex", "(d", "[a", "BYLEX", "REV"),
                r("ZRANGEBYLEX", "lex", "[a", "[a"), r("ZRANGEBYLEX", "lex", "(a", "[a"),
                r("ZRANGESTORE", "dst", "z", "1", "3"), r("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
                r("ZRANGESTORE", "dst", "z", "(1", "3", "BYSCORE", "REV"), r("ZRANGESTORE", "dst", "z", "3", "(1",
                        "BYSCORE", "REV", "LIMIT", "0", "1"),
                r("ZRANGE", "dst", "0", "-1", "WITHSCORES"), r("ZRANGESTORE", "dst", "lex", "[b", "[c", "BYLEX"),
                r("ZRANGE", "dst", "0", "-1"), r("ZRANGESTORE", "dst", "z", "0", "1", "WITHSCORES"),
                r("ZRANGESTORE", "dst", "nz", "0", "-1"), r("EXISTS", "dst"), r("ZREMRANGEBYRANK", "z", "0", "0"),
                r("ZREMRANGEBYRANK", "z", "-1", "-1"), r("ZREMRANGEBYRANK", "z", "5", "10"),
                r("ZREMRANGEBYRANK", "z", "x", "1"), r("ZREMRANGEBYRANK", "nz", "0", "1"),
                r("ZRANGE", "z", "0", "-1"), r("ZREMRANGEBYSCORE", "z", "(2", "3"),
                r("ZREMRANGEBYSCORE", "z", "x", "3"), r("ZREMRANGEBYLEX", "lex", "[b", "(d"),
                r("ZREMRANGEBYLEX", "lex", "b", "d"), r("ZRANGE", "lex", "0", "-1"),
                r("ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d"), r("ZPOPMIN", "p"), r("ZPOPMAX", "p"),
                r("ZPOPMIN", "p", "0"), r("ZPOPMIN", "p", "-1"), r("ZPOPMIN", "p", "x"), r("ZPOPMIN", "p", "1", "2"),
                r("ZPOPMIN", "nz"), r("ZPOPMIN", "nz", "2"), r("ZPOPMAX", "p", "5"), r("EXISTS", "p"),
                r("ZADD", "p", "1", "a", "2", "b", "3", "c"), r("ZMPOP", "2", "nz", "p", "MIN"),
                r("ZMPOP", "2", "nz", "p", "MAX", "COUNT", "5"), r("ZMPOP", "1", "p", "MIN"),
                r("ZMPOP", "0", "p", "MIN"), r("ZMPOP", "3", "p", "MIN"), r("ZMPOP", "1", "p", "LEFT"),
                r("ZMPOP", "1", "p", "MIN", "COUNT", "0"), r("ZMPOP", "1", "p", "MIN", "COUNT"),
                r("ZADD", "u1", "1", "a", "2", "b", "3", "c"), r("ZADD", "u2", "10", "b", "20", "c", "30", "d"),
                r("SADD", "us", "a", "d", "x"), r("ZUNION", "2", "u1", "u2", "WITHSCORES"),
                r("ZUNION", "3", "u1", "u2", "us", "WITHSCORES"), r("ZINTER", "2", "u1", "u2", "WITHSCORES"),
                r("ZINTER", "2", "u1", "u2", "WEIGHTS", "2", "0.5", "WITHSCORES"),
                r("ZINTER", "2", "u1", "u2", "AGGREGATE", "MIN", "WITHSCORES"),
                r("ZUNION", "2", "u1", "u2", "AGGREGATE", "MAX", "WITHSCORES"),
                r("ZUNION", "2", "u1", "u2", "WEIGHTS", "1"), r("ZUNION", "2", "u1", "u2", "WEIGHTS", "1", "x"),
                r("ZUNION", "2", "u1", "u2", "AGGREGATE", "AVG"), r("ZUNION", "2", "u1", "u2", "BOGUS"),
                r("ZUNION", "0", "u1"), r("ZUNION", "3", "u1", "u2"), r("ZUNION", "x", "u1"),
                r("ZDIFF", "2", "u1", "u2", "WITHSCORES"), r("ZDIFF", "2", "u2", "us"),
                r("ZDIFF", "2", "u1", "u2", "WEIGHTS", "1", "1"), r("ZDIFF", "1", "nz"), r("ZINTER", "2", "u1", "nz"),
                r("ZUNIONSTORE", "dz", "2", "u1", "u2", "WEIGHTS", "1", "2"), r("ZRANGE", "dz", "0", "-1", "WITHSCORES"),
                r("ZINTERSTORE", "dz", "2", "u1", "u2"), r("ZRANGE", "dz", "0", "-1", "WITHSCORES"),
                r("ZDIFFSTORE", "dz", "2", "u1", "u2"), r("ZRANGE", "dz", "0", "-1", "WITHSCORES"),
                r("ZINTERSTORE", "dz", "2", "u1", "nz"), r("EXISTS", "dz"), r("ZUNIONSTORE", "dz", "1", "u1",
                        "WITHSCORES"),
                r("ZUNIONSTORE", "dz", "0", "u1"), r("ZINTERCARD", "2", "u1", "u2"),
                r("ZINTERCARD", "2", "u1", "u2", "LIMIT", "1"), r("ZINTERCARD", "2", "u1", "u2", "LIMIT", "-1"),
                r("ZINTERCARD", "0", "u1"), r("ZINTERCARD", "2", "u1", "u2", "WITHSCORES"),
                r("ZADD", "w", "inf", "a"), r("ZUNION", "2", "w", "w", "WEIGHTS", "0", "1", "WITHSCORES"),
                r("ZADD", "w2", "-inf", "a"), r("ZUNION", "2", "w", "w2", "WITHSCORES"),
                r("ZRANDMEMBER", "nz"), r("ZRANDMEMBER", "nz", "3"), r("ZRANDMEMBER", "u1", "0"),
                count("ZRANDMEMBER", "u1"), count("ZRANDMEMBER", "u1", "2"), count("ZRANDMEMBER", "u1", "-5"),
                sorted("ZRANDMEMBER", "u1", "10", "WITHSCORES"), r("ZRANDMEMBER", "u1", "1", "BOGUS"),
                r("ZRANDMEMBER", "u1", "-9223372036854775808"),
                r("ZRANDMEMBER", "u1", "9223372036854775807", "WITHSCORES"), r("ZRANDMEMBER", "u1", "x"),
                r("ZSCAN", "u1", "0"), r("ZSCAN", "u1", "0", "MATCH", "b*"), r("ZSCAN", "nz", "0"),
                r("ZSCAN", "u1", "x"), r("ZSCAN", "u1", "0", "COUNT", "0"), r("SET", "str", "v"),
                r("ZADD", "str", "1", "a"), r("ZINCRBY", "str", "1", "a"), r("ZREM", "str", "a"),
                r("ZSCORE", "str", "a"), r("ZMSCORE", "str", "a"), r("ZCARD", "str"), r("ZCOUNT", "str", "0", "1"),
                r("ZLEXCOUNT", "str", "-", "+"), r("ZRANGE", "str", "0", "1"), r("ZRANGESTORE", "d", "str", "0", "1"),
                r("ZRANK", "str", "a"), r("ZREMRANGEBYRANK", "str", "0", "1"), r("ZPOPMIN", "str"),
                r("ZMPOP", "1", "str", "MIN"), r("ZUNION", "2", "u1", "str"), r("ZINTERCARD", "1", "str"),
                r("ZRANDMEMBER", "str"), r("ZSCAN", "str", "0"), r("ZRANGESTORE", "str", "u1", "0", "0"),
                r("TYPE", "str"), r("ZADD", "ex", "1", "a"), r("EXPIRE", "ex", "100"), r("ZADD", "ex", "2", "b"),
                r("TTL", "ex"), r("ZREM", "ex", "a", "b"), r("EXISTS", "ex")));
    }

    private void compare(List<Request> requests) {
        List<String> differences = new ArrayList<>();
        try (RespConnection kl = open(this.port);
                RespConnection reference = open(redis.port())) {
            for (Request request : requests) {
                String expected = reference.call(request.args().toArray(String[]::new));
                String actual = kl.call(request.args().toArray(String[]::new));
                if (!same(request.how(), expected, actual)) {
                    differences.add(request.how() + " " + request.args() + "\n    redis:         " + shown(expected)
                            + "\n    keystonelight: " + shown(actual));
                }
            }
        }
        assertThat(differences).as("requests whose replies differ from Redis's").isEmpty();
    }

    private static boolean same(Compare how, String expected, String actual) {
        return switch (how) {
            case EXACT -> expected.equals(actual);
            case SORTED -> elements(expected).equals(elements(actual));
            case COUNT -> firstLine(expected).equals(firstLine(actual)) && (!expected.startsWith("$")
                    || expected.startsWith("$-1") == actual.startsWith("$-1"));
        };
    }

    private static String firstLine(String reply) {
        String line = reply.substring(0, reply.indexOf("\r\n"));
        // A bulk string's length differs with the member picked; that it is one is what counts.
        return line.startsWith("$") && !line.equals("$-1") ? "$" : line;
    }

    /** The elements of a flat array reply (or of the inner array of a SCAN reply), sorted. */
    private static List<String> elements(String reply) {
        List<String> out = new ArrayList<>();
        String[] lines = reply.split("\r\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("$") && !lines[i].equals("$-1")) {
                out.add(lines[++i]);
            }
            else if (lines[i].startsWith(":")) {
                out.add(lines[i]);
            }
            else if (lines[i].startsWith("-") || lines[i].startsWith("+")) {
                out.add(lines[i]);
            }
        }
        Collections.sort(out);
        out.add(0, firstLine(reply));
        return out;
    }

    private static String shown(String reply) {
        return reply.replace("\r", "\\r").replace("\n", "\\n");
    }
}
