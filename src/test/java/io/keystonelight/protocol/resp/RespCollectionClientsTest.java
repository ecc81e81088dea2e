package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ZAddParams;

import io.keystonelight.support.ServerInThisJvm;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.RedisListCommands;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.zset.Aggregate;
import org.springframework.data.redis.connection.zset.Weights;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lists, sets and sorted sets through real clients: Spring Data Redis's list, set and sorted-set
 * operations (over Lettuce), and Jedis. Each call's result is what Redis gives for it.
 */
class RespCollectionClientsTest extends ServerInThisJvm {

    private LettuceConnectionFactory factory;

    private StringRedisTemplate template;

    @BeforeEach
    void connectClients() {
        this.factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", this.port));
        this.factory.afterPropertiesSet();
        this.factory.start();
        this.template = new StringRedisTemplate(this.factory);
        this.template.afterPropertiesSet();
        this.template.execute(connection -> {
            connection.serverCommands().flushAll();
            return null;
        }, true);
    }

    @AfterEach
    void disconnectClients() {
        this.factory.destroy();
    }

    @Test
    void springDataRedisListOperations() {
        var list = this.template.opsForList();
        assertThat(list.rightPushAll("q", "a", "b", "c")).isEqualTo(3);
        assertThat(list.leftPush("q", "z")).isEqualTo(4);
        assertThat(list.leftPushIfPresent("missing", "x")).isZero();
        assertThat(list.range("q", 0, -1)).containsExactly("z", "a", "b", "c");
        assertThat(list.size("q")).isEqualTo(4);
        assertThat(list.index("q", -1)).isEqualTo("c");
        list.set("q", 1, "A");
        assertThat(list.indexOf("q", "b")).isEqualTo(2);
        assertThat(list.rightPush("q", "b")).isEqualTo(5);
        assertThat(list.lastIndexOf("q", "b")).isEqualTo(4);
        assertThat(list.remove("q", 0, "b")).isEqualTo(2);
        assertThat(list.move("q", RedisListCommands.Direction.LEFT, "other", RedisListCommands.Direction.RIGHT))
                .isEqualTo("z");
        assertThat(list.rightPopAndLeftPush("q", "other")).isEqualTo("c");
        assertThat(list.range("other", 0, -1)).containsExactly("c", "z");
        assertThat(list.leftPop("q")).isEqualTo("A");
        assertThat(list.leftPop("q")).isNull();
        assertThat(this.template.hasKey("q")).as("a list left empty is deleted").isFalse();
        list.rightPushAll("t", "1", "2", "3", "4", "5");
        list.trim("t", 1, -2);
        assertThat(list.range("t", 0, -1)).containsExactly("2", "3", "4");
        assertThat(list.rightPop("t", 2)).containsExactly("4", "3");
        this.template.opsForValue().set("s", "v");
        assertThatThrownBy(() -> list.leftPush("s", "x"))
                .hasRootCauseMessage("WRONGTYPE Operation against a key holding the wrong kind of value");
    }

    @Test
    void springDataRedisSetOperations() {
        var sets = this.template.opsForSet();
        assertThat(sets.add("index:alice", "s1", "s2", "s3")).isEqualTo(3);
        assertThat(sets.add("index:bob", "s3", "s4")).isEqualTo(2);
        assertThat(sets.members("index:alice")).containsExactlyInAnyOrder("s1", "s2", "s3");
        assertThat(sets.isMember("index:alice", "s2")).isTrue();
        assertThat(sets.isMember("index:alice", "s2", "s9")).containsEntry("s2", true).containsEntry("s9", false);
        assertThat(sets.size("index:alice")).isEqualTo(3);
        assertThat(sets.intersect("index:alice", "index:bob")).containsExactly("s3");
        assertThat(sets.union("index:alice", "index:bob")).containsExactlyInAnyOrder("s1", "s2", "s3", "s4");
        assertThat(sets.difference("index:alice", "index:bob")).containsExactlyInAnyOrder("s1", "s2");
        assertThat(sets.intersectAndStore("index:alice", "index:bob", "both")).isEqualTo(1);
        assertThat(sets.move("index:alice", "s1", "index:bob")).isTrue();
        assertThat(sets.remove("index:bob", "s1", "s9")).isEqualTo(1);
        assertThat(sets.randomMember("index:alice")).isIn("s2", "s3");
        assertThat(sets.distinctRandomMembers("index:alice", 5)).containsExactlyInAnyOrder("s2", "s3");
        List<String> scanned = new ArrayList<>();
        try (Cursor<String> cursor = sets.scan("index:alice", ScanOptions.scanOptions().match("s*").build())) {
            cursor.forEachRemaining(scanned::add);
        }
        assertThat(scanned).containsExactlyInAnyOrder("s2", "s3");
        String popped = sets.pop("index:alice");
        assertThat(popped).isIn("s2", "s3");
        assertThat(sets.members("index:alice")).hasSize(1).doesNotContain(popped);
    }

    @Test
    void springDataRedisSortedSetOperations() {
        var zset = this.template.opsForZSet();
        assertThat(zset.add("board", "ann", 10)).isTrue();
        assertThat(zset.add("board", Set.of(TypedTuple.of("bob", 20.5), TypedTuple.of("cy", 15.0)))).isEqualTo(2);
        assertThat(zset.addIfAbsent("board", "ann", 99)).isFalse();
        assertThat(zset.incrementScore("board", "ann", 0.1)).isEqualTo(10.1);
        assertThat(zset.score("board", "bob")).isEqualTo(20.5);
        assertThat(zset.score("board", "ann", "nobody")).containsExactly(10.1, null);
        assertThat(zset.rank("board", "cy")).isEqualTo(1);
        assertThat(zset.reverseRank("board", "cy")).isEqualTo(1);
        assertThat(zset.range("board", 0, -1)).containsExactly("ann", "cy", "bob");
        assertThat(zset.reverseRange("board", 0, 0)).containsExactly("bob");
        assertThat(zset.rangeWithScores("board", 0, 0)).extracting(TypedTuple::getValue, TypedTuple::getScore)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ann", 10.1));
        assertThat(zset.rangeByScore("board", 11, 100)).containsExactly("cy", "bob");
        assertThat(zset.rangeByScore("board", 0, 100, 1, 1)).containsExactly("cy");
        assertThat(zset.reverseRangeByScore("board", 0, 100)).containsExactly("bob", "cy", "ann");
        assertThat(zset.count("board", 10, 16)).isEqualTo(2);
        assertThat(zset.size("board")).isEqualTo(3);
        zset.add("names", Set.of(TypedTuple.of("a", 0.0), TypedTuple.of("b", 0.0), TypedTuple.of("c", 0.0)));
        assertThat(zset.lexCount("names", Range.closed("a", "b"))).isEqualTo(2);
        assertThat(zset.rangeByLex("names", Range.leftOpen("a", "c"), Limit.limit().count(1))).containsExactly("b");
        assertThat(zset.unionAndStore("board", List.of("names"), "all", Aggregate.MAX, Weights.of(2, 1)))
                .isEqualTo(6);
        assertThat(zset.score("all", "bob")).isEqualTo(41.0);
        assertThat(zset.intersectWithScores("board", List.of("board"), Aggregate.SUM, Weights.of(1, 1)))
                .extracting(TypedTuple::getValue).containsExactly("ann", "cy", "bob");
        assertThat(zset.popMin("board").getValue()).isEqualTo("ann");
        assertThat(zset.popMax("board", 1)).extracting(TypedTuple::getValue).containsExactly("bob");
        assertThat(zset.removeRangeByScore("names", 0, 0)).isEqualTo(3);
        assertThat(zset.remove("board", "cy")).isEqualTo(1);
        assertThat(this.template.hasKey("board")).as("a sorted set left empty is deleted").isFalse();
    }

    @Test
    void jedisRunsListSetAndSortedSetCommands() {
        try (Jedis jedis = new Jedis("127.0.0.1", this.port)) {
            assertThat(jedis.rpush("jq", "m1", "m2", "m3")).isEqualTo(3);
            assertThat(jedis.lmove("jq", "jq2", ListDirection.LEFT, ListDirection.LEFT)).isEqualTo("m1");
            assertThat(jedis.lmpop(ListDirection.RIGHT, 5, "nothing", "jq").getValue()).containsExactly("m3", "m2");
            assertThat(jedis.sadd("js", "1", "2", "3")).isEqualTo(3);
            assertThat(jedis.smembers("js")).containsExactlyInAnyOrder("1", "2", "3");
            assertThat(jedis.sintercard("js", "js")).isEqualTo(3);
            assertThat(jedis.zadd("jz", 1, "one", ZAddParams.zAddParams().nx())).isEqualTo(1);
            assertThat(jedis.zadd("jz", 0.5, "one", ZAddParams.zAddParams().gt().ch())).isZero();
            assertThat(jedis.zaddIncr("jz", 2, "one", ZAddParams.zAddParams().xx())).isEqualTo(3.0);
            assertThat(jedis.zrangeWithScores("jz", 0, -1)).hasSize(1);
            assertThat(jedis.zmpop(redis.clients.jedis.args.SortedSetOption.MIN, "jz").getValue()).hasSize(1);
            assertThatThrownBy(() -> jedis.zadd("js", 1, "x")).isInstanceOf(JedisDataException.class)
                    .hasMessage("WRONGTYPE Operation against a key holding the wrong kind of value");
        }
    }
}
