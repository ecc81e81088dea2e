package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real Redis clients against the server in this JVM: Jedis, Lettuce, and Spring Data Redis (a
 * {@code StringRedisTemplate} and a {@code @Cacheable} method through {@code RedisCacheManager})
 * in a small application context of the test's own, apart from the server's.
 */
class RespClientsTest extends ServerInThisJvm {

    private static final byte[] BINARY_KEY = { 'b', '|', '\r', '\n', 0, ' ', (byte) 0xff };

    private static final byte[] BINARY_VALUE = { 'v', '\r', '\n', 0, '|', (byte) 0xc3, (byte) 0x28, (byte) 0xff, 'x' };

    @Test
    void jedisRunsEveryCommand() {
        try (Jedis jedis = new Jedis("127.0.0.1", this.port)) {
            jedis.flushAll();
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.echo("hi")).isEqualTo("hi");
            assertThat(jedis.select(0)).isEqualTo("OK");
            assertThat(jedis.set("j:a", "1")).isEqualTo("OK");
            assertThat(jedis.get("j:a")).isEqualTo("1");
            assertThat(jedis.get("j:none")).isNull();
            assertThat(jedis.set("j:a", "2", SetParams.setParams().nx())).isNull();
            assertThat(jedis.set("j:a", "3", SetParams.setParams().xx())).isEqualTo("OK");
            assertThat(jedis.setGet("j:a", "4")).isEqualTo("3");
            assertThat(jedis.setnx("j:b", "x")).isEqualTo(1);
            assertThat(jedis.setnx("j:b", "y")).isEqualTo(0);
            assertThat(jedis.getDel("j:b")).isEqualTo("x");
            assertThat(jedis.mset("j:m1", "a", "j:m2", "b")).isEqualTo("OK");
            assertThat(jedis.mget("j:m1", "j:none", "j:m2")).containsExactly("a", null, "b");
            assertThat(jedis.exists("j:m1", "j:m2", "j:none")).isEqualTo(2);
            assertThat(jedis.exists("j:m1")).isTrue();
            assertThat(jedis.incr("j:n")).isEqualTo(1);
            assertThat(jedis.incrBy("j:n", 10)).isEqualTo(11);
            assertThat(jedis.decr("j:n")).isEqualTo(10);
            assertThat(jedis.decrBy("j:n", 5)).isEqualTo(5);
            assertThatThrownBy(() -> jedis.incr("j:m1")).isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("value is not an integer or out of range");
            assertThat(jedis.append("j:m1", "bc")).isEqualTo(3);
            assertThat(jedis.strlen("j:m1")).isEqualTo(3);
            assertThat(jedis.type("j:m1")).isEqualTo("string");
            assertThat(jedis.type("j:none")).isEqualTo("none");
            assertThat(jedis.dbSize()).isEqualTo(4);
            assertThat(jedis.keys("j:m*")).containsExactlyInAnyOrder("j:m1", "j:m2");
            Set<String> scanned = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, new ScanParams().match("j:*").count(2));
                scanned.addAll(page.getResult());
                cursor = page.getCursor();
            }
            while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertThat(scanned).containsExactlyInAnyOrder("j:a", "j:m1", "j:m2", "j:n");
            assertThat(jedis.del("j:m1", "j:none")).isEqualTo(1);
            assertThat(jedis.unlink("j:m2")).isEqualTo(1);
            assertThat(jedis.clientSetname("jedis-test")).isEqualTo("OK");
            assertThat(jedis.clientGetname()).isEqualTo("jedis-test");
            assertThat(jedis.clientId()).isPositive();
            assertThat(jedis.info("keyspace")).contains("db0:keys=2,expires=0,avg_ttl=0");
            assertThat(jedis.info()).contains("total_commands_processed:", "connected_clients:", "aof_enabled:1");
            assertThat(jedis.configGet("appendfsync")).containsEntry("appendfsync", "always");
            assertThat(jedis.bgrewriteaof()).isEqualTo("Background append only file rewriting started");
            assertThat(jedis.flushDB()).isEqualTo("OK");
            assertThat(jedis.dbSize()).isZero();
            assertThat(jedis.set("j:t", "v", SetParams.setParams().ex(10))).isEqualTo("OK");
            assertThat(jedis.ttl("j:t")).isBetween(9L, 10L);
            assertThat(jedis.del("j:t")).isEqualTo(1);
            assertThatThrownBy(() -> jedis.select(1)).isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("DB index is out of range");
            assertThat(jedis.set(BINARY_KEY, BINARY_VALUE)).isEqualTo("OK");
            assertThat(jedis.get(BINARY_KEY)).isEqualTo(BINARY_VALUE);
        }
    }

    @Test
    void jedisPipelinesAndSharesThePoolBetweenThreads() throws Exception {
        try (Jedis jedis = new Jedis("127.0.0.1", this.port)) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                pipeline.set("jp:" + i, "v" + i);
                gets.add(pipeline.get("jp:" + i));
            }
            pipeline.sync();
            for (int i = 0; i < 2000; i++) {
                assertThat(gets.get(i).get()).isEqualTo("v" + i);
            }
        }
        try (redis.clients.jedis.RedisClient pool = redis.clients.jedis.RedisClient.create("127.0.0.1", this.port)) {
            int threads = 8;
            int rounds = 300;
            ExecutorService workers = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(workers.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        pool.incr("jp:counter");
                        String key = "jp:t" + thread + ":" + i;
                        pool.set(key, "x" + i);
                        assertThat(pool.get(key)).isEqualTo("x" + i);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
            workers.shutdown();
            assertThat(pool.get("jp:counter")).isEqualTo(String.valueOf(threads * rounds));
        }
    }

    @Test
    void lettuceRunsEveryCommandPipelinesAndSharesAConnection() throws Exception {
        RedisURI uri = RedisURI.create("127.0.0.1", this.port);
        uri.setTimeout(Duration.ofSeconds(60));
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            assertThat(redis.ping()).isEqualTo("PONG");
            assertThat(redis.echo("hi")).isEqualTo("hi");
            assertThat(redis.set("l:a", "1")).isEqualTo("OK");
            assertThat(redis.get("l:a")).isEqualTo("1");
            assertThat(redis.setGet("l:a", "2")).isEqualTo("1");
            assertThat(redis.setnx("l:a", "x")).isFalse();
            assertThat(redis.getdel("l:a")).isEqualTo("2");
            assertThat(redis.mset(Map.of("l:m1", "a", "l:m2", "b"))).isEqualTo("OK");
            assertThat(redis.mget("l:m1", "l:m2").stream().map(v -> v.getValue()).toList()).containsExactly("a", "b");
            assertThat(redis.exists("l:m1", "l:m2", "l:none")).isEqualTo(2);
            assertThat(redis.incr("l:n")).isEqualTo(1);
            assertThat(redis.incrby("l:n", 4)).isEqualTo(5);
            assertThat(redis.decr("l:n")).isEqualTo(4);
            assertThat(redis.decrby("l:n", 4)).isEqualTo(0);
            assertThat(redis.append("l:m1", "z")).isEqualTo(2);
            assertThat(redis.strlen("l:m1")).isEqualTo(2);
            assertThat(redis.type("l:m1")).isEqualTo("string");
            assertThat(redis.keys("l:m*")).containsExactlyInAnyOrder("l:m1", "l:m2");
            // A full iteration, as a client must make one: a step may return fewer keys than its COUNT.
            List<String> scanned = new java.util.ArrayList<>();
            KeyScanCursor<String> step = redis.scan(ScanCursor.INITIAL, ScanArgs.Builder.matches("l:*").limit(100));
            scanned.addAll(step.getKeys());
            while (!step.isFinished()) {
                step = redis.scan(step, ScanArgs.Builder.matches("l:*").limit(100));
                scanned.addAll(step.getKeys());
            }
            assertThat(scanned).contains("l:m1", "l:m2", "l:n");
            assertThat(redis.del("l:m1", "l:m2")).isEqualTo(2);
            assertThat(redis.unlink("l:n")).isEqualTo(1);
            assertThat(redis.clientSetname("lettuce-test")).isEqualTo("OK");
            assertThat(redis.clientGetname()).isEqualTo("lettuce-test");
            assertThat(redis.clientId()).isPositive();
            assertThat(redis.dbsize()).isNotNegative();
            assertThat(redis.info("server")).contains("redis_version:");
            assertThat(redis.configGet("save")).containsEntry("save", "");
            assertThat(redis.commandCount()).isPositive();
            assertThat(redis.select(0)).isEqualTo("OK");

            RedisAsyncCommands<String, String> async = connection.async();
            connection.setAutoFlushCommands(false);
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                futures.add(async.set("lp:" + i, "v" + i));
                futures.add(async.incr("lp:counter"));
            }
            connection.flushCommands();
            for (RedisFuture<?> future : futures) {
                assertThat(future.get(60, TimeUnit.SECONDS)).isNotNull();
            }
            connection.setAutoFlushCommands(true);
            assertThat(redis.get("lp:counter")).isEqualTo("2000");

            int threads = 8;
            AtomicInteger failures = new AtomicInteger();
            ExecutorService workers = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(workers.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        redis.incr("lt:counter");
                        if (redis.get("lt:counter") == null) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
            workers.shutdown();
            assertThat(failures).hasValue(0);
            assertThat(redis.get("lt:counter")).isEqualTo(String.valueOf(threads * 300));
        }
        finally {
            client.shutdown();
        }
    }

    /** Garbage on some connections, mid-way through another's pipeline: that one never notices. */
    @Test
    void malformedRequestsOnOtherConnectionsNeverDisturbAPipeliningClient() {
        List<String> garbage = List.of("*1\r\n$x\r\n", "*2\r\n$3\r\nGET\r\nfoo\r\n", "*-1\r\n*1\r\n$-5\r\n",
                "*1\r\n$99999999999\r\n", "*\u0000\u0000\r\n");
        try (RespConnection good = RespConnection.connect(this.port)) {
            for (int round = 0; round < 20; round++) {
                java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
                for (int i = 0; i < 50; i++) {
                    batch.writeBytes(RespConnection.request("SET", "iso:" + round + ":" + i, "v" + i));
                }
                // Half a request: the rest comes after the others' garbage.
                byte[] last = RespConnection.request("GET", "iso:" + round + ":49");
                batch.write(last, 0, last.length / 2);
                good.send(batch.toByteArray());
                String bad = garbage.get(round % garbage.size());
                try (RespConnection other = RespConnection.connect(this.port)) {
                    String reply = other.send(bad.getBytes(StandardCharsets.ISO_8859_1)).readReply();
                    assertThat(reply).as(bad).startsWith("-ERR Protocol error");
                    assertThat(other.closedByServer()).isTrue();
                }
                good.send(java.util.Arrays.copyOfRange(last, last.length / 2, last.length));
                for (int i = 0; i < 50; i++) {
                    assertThat(good.readReply()).isEqualTo("+OK\r\n");
                }
                assertThat(good.readReply()).isEqualTo("$3\r\nv49\r\n");
            }
            assertThat(good.call("DBSIZE")).isNotEqualTo(":0\r\n");
        }
    }

    @Test
    void springDataRedisTemplateAndCacheManagerWorkAgainstTheServer() {
        System.setProperty("test.resp.port", String.valueOf(this.port));
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(
                RedisClientConfiguration.class)) {
            StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
            template.opsForValue().set("sd:greeting", "hello");
            assertThat(template.opsForValue().get("sd:greeting")).isEqualTo("hello");
            assertThat(template.opsForValue().setIfAbsent("sd:greeting", "other")).isFalse();
            assertThat(template.opsForValue().increment("sd:count", 3)).isEqualTo(3);
            assertThat(template.hasKey("sd:greeting")).isTrue();
            assertThat(template.delete("sd:greeting")).isTrue();
            assertThat(template.opsForValue().get("sd:greeting")).isNull();

            ExpensiveLookup lookup = context.getBean(ExpensiveLookup.class);
            assertThat(lookup.describe(42)).isEqualTo("number 42");
            assertThat(lookup.describe(42)).isEqualTo("number 42");
            assertThat(lookup.describe(7)).isEqualTo("number 7");
            assertThat(lookup.calls()).as("the second call came from the cache").isEqualTo(2);
            assertThat(template.keys("lookups::*")).containsExactlyInAnyOrder("lookups::42", "lookups::7");
            context.getBean(RedisCacheManager.class).getCache("lookups").clear();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(template.keys("lookups::*")).isEmpty());
        }
    }

    /**
     * The client application's context. Not a {@code @Configuration} (nor a {@code @Component}
     * below): the server's own context, which scans this package, must not pick it up.
     */
    @EnableCaching
    static class RedisClientConfiguration {

        @Bean
        LettuceConnectionFactory redisConnectionFactory() {
            return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1",
                    Integer.getInteger("test.resp.port")));
        }

        @Bean
        StringRedisTemplate stringRedisTemplate(LettuceConnectionFactory factory) {
            return new StringRedisTemplate(factory);
        }

        @Bean
        RedisCacheManager cacheManager(LettuceConnectionFactory factory) {
            // Spring Data Redis 4 would otherwise send cache writes without waiting for their replies,
            // and a second call could miss an entry still on its way.
            return RedisCacheManager.builder(RedisCacheWriter.create(factory, writer -> writer.immediateWrites()))
                    .build();
        }

        @Bean
        ExpensiveLookup expensiveLookup() {
            return new ExpensiveLookup();
        }
    }

    static class ExpensiveLookup {

        private final AtomicInteger calls = new AtomicInteger();

        /** A method, not the field: the bean is a caching proxy. */
        public int calls() {
            return this.calls.get();
        }

        @Cacheable("lookups")
        public String describe(int number) {
            this.calls.incrementAndGet();
            return "number " + number;
        }
    }
}
