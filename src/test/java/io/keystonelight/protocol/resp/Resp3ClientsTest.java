package io.keystonelight.protocol.resp;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.resps.Tuple;

import io.keystonelight.support.ServerInThisJvm;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jedis and Lettuce speaking RESP3 (after HELLO 3) to the server in this JVM: strings, hashes,
 * sorted sets with their scores, a transaction and pub/sub, as a client library decodes them.
 */
class Resp3ClientsTest extends ServerInThisJvm {

    private Jedis jedis() {
        return new Jedis(new HostAndPort("127.0.0.1", this.port),
                DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).build());
    }

    @Test
    void jedisInResp3() throws Exception {
        try (Jedis jedis = jedis()) {
            jedis.flushAll();
            assertThat(jedis.clientInfo()).as("CLIENT INFO of Jedis's RESP3 connection").contains(" resp=3");
            assertThat(jedis.set("j3:s", "v")).isEqualTo("OK");
            assertThat(jedis.get("j3:s")).isEqualTo("v");
            assertThat(jedis.get("j3:none")).isNull();
            assertThat(jedis.mget("j3:s", "j3:none")).containsExactly("v", null);
            assertThat(jedis.hset("j3:h", Map.of("a", "1", "b", "2"))).isEqualTo(2);
            assertThat(jedis.hgetAll("j3:h")).isEqualTo(Map.of("a", "1", "b", "2"));
            assertThat(jedis.sadd("j3:set", "x", "y")).isEqualTo(2);
            assertThat(jedis.smembers("j3:set")).isEqualTo(Set.of("x", "y"));
            assertThat(jedis.zadd("j3:z", Map.of("a", 1.5, "b", 2.0))).isEqualTo(2);
            assertThat(jedis.zscore("j3:z", "a")).isEqualTo(1.5);
            assertThat(jedis.zscore("j3:z", "none")).isNull();
            assertThat(jedis.zincrby("j3:z", 2, "a")).isEqualTo(3.5);
            assertThat(jedis.zmscore("j3:z", "a", "none")).containsExactly(3.5, null);
            assertThat(jedis.zrangeWithScores("j3:z", 0, -1)).containsExactly(new Tuple("b", 2.0), new Tuple("a", 3.5));
            assertThat(jedis.zpopmin("j3:z")).isEqualTo(new Tuple("b", 2.0));
            assertThat(jedis.configGet("maxclients")).containsOnlyKeys("maxclients");

            Transaction multi = jedis.multi();
            multi.incr("j3:n");
            multi.hgetAll("j3:h");
            multi.zscore("j3:z", "a");
            multi.get("j3:none");
            assertThat(multi.exec()).containsExactly(1L, Map.of("a", "1", "b", "2"), 3.5, null);
        }
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        JedisPubSub listener = new JedisPubSub() {

            @Override
            public void onSubscribe(String channel, int subscribedChannels) {
                received.add("subscribed " + channel);
            }

            @Override
            public void onMessage(String channel, String message) {
                received.add(channel + ": " + message);
                unsubscribe();
            }
        };
        try (Jedis subscriber = jedis(); Jedis publisher = jedis()) {
            Thread listening = new Thread(() -> subscriber.subscribe(listener, "j3:news"));
            listening.start();
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("subscribed j3:news");
            assertThat(publisher.publish("j3:news", "hello")).isEqualTo(1);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("j3:news: hello");
            listening.join(10_000);
            assertThat(listening.isAlive()).as("the subscriber left after its message").isFalse();
        }
    }

    @Test
    void lettuceNegotiatesResp3() throws Exception {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(this.port)
                .withTimeout(Duration.ofSeconds(10)).build());
        // RESP3 is Lettuce's default; asked for here so a silent fallback to RESP2 cannot pass.
        client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).build());
        try (StatefulRedisConnection<String, String> connection = client.connect();
                StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub()) {
            RedisCommands<String, String> redis = connection.sync();
            redis.flushall();
            assertThat(redis.clientInfo()).as("CLIENT INFO of Lettuce's connection").contains(" resp=3");
            assertThat(redis.set("l3:s", "v")).isEqualTo("OK");
            assertThat(redis.get("l3:s")).isEqualTo("v");
            assertThat(redis.get("l3:none")).isNull();
            assertThat(redis.hset("l3:h", Map.of("a", "1", "b", "2"))).isEqualTo(2);
            assertThat(redis.hgetall("l3:h")).isEqualTo(Map.of("a", "1", "b", "2"));
            assertThat(redis.smembers("l3:set")).isEmpty();
            assertThat(redis.sadd("l3:set", "x", "y")).isEqualTo(2);
            assertThat(redis.smembers("l3:set")).isEqualTo(Set.of("x", "y"));
            assertThat(redis.zadd("l3:z", 1.5, "a", 2.0, "b")).isEqualTo(2);
            assertThat(redis.zscore("l3:z", "a")).isEqualTo(1.5);
            assertThat(redis.zincrby("l3:z", 2, "a")).isEqualTo(3.5);
            assertThat(redis.zrangeWithScores("l3:z", 0, -1)).containsExactly(ScoredValue.just(2.0, "b"),
                    ScoredValue.just(3.5, "a"));
            assertThat(redis.zpopmin("l3:z")).isEqualTo(ScoredValue.just(2.0, "b"));
            assertThat(redis.configGet("maxclients")).containsOnlyKeys("maxclients");

            redis.multi();
            redis.incr("l3:n");
            redis.hgetall("l3:h");
            redis.zscore("l3:z", "a");
            TransactionResult result = redis.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat(List.of(result.get(0), result.get(1), result.get(2)))
                    .containsExactly(1L, Map.of("a", "1", "b", "2"), 3.5);

            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            subscriber.addListener(new RedisPubSubAdapter<>() {

                @Override
                public void message(String channel, String message) {
                    received.add(channel + ": " + message);
                }
            });
            subscriber.sync().subscribe("l3:news");
            // A RESP3 subscriber may run any command on the same connection, as in Redis.
            assertThat(subscriber.sync().get("l3:s")).isEqualTo("v");
            assertThat(redis.publish("l3:news", "hello")).isEqualTo(1);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("l3:news: hello");
        }
        finally {
            client.shutdown();
        }
    }
}
