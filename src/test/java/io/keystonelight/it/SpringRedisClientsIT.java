package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.ServerProcess;

import org.springframework.cache.Cache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;

/**
 * Spring applications' own Redis code against the packaged server: a cache with a TTL, Spring
 * Session's default repository (across a restart), and a template's hash and expiry operations,
 * all through Lettuce with its default settings.
 */
class SpringRedisClientsIT {

    @TempDir
    Path folder;

    private static LettuceConnectionFactory connectionTo(ServerProcess server) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", server.port()));
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    @Test
    void aCacheWithAnEntryTtlHitsThenMissesOnceTheTtlPassed() {
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            LettuceConnectionFactory factory = connectionTo(server);
            try {
                long ttl = 2000;
                // Spring Data Redis 4.1 writes a cache entry asynchronously over Lettuce: put returns before
                // the SET was even sent, so a read right after it races the write (it loses against this
                // server, which shows a write once durable, and can against Redis). Immediate writes make
                // put return once the SET was answered, which is what "a read after the put" means here.
                RedisCacheManager caches = RedisCacheManager
                        .builder(RedisCacheWriter.create(factory, writer -> writer.immediateWrites()))
                        .cacheDefaults(RedisCacheConfiguration.defaultCacheConfig().entryTtl(Duration.ofMillis(ttl)))
                        .build();
                caches.afterPropertiesSet();
                Cache cache = caches.getCache("books");
                StringRedisTemplate template = new StringRedisTemplate(factory);
                String key = null;
                long putAt = 0;
                // A read and a TTL that returned within the TTL must show the entry; ones that a stalled
                // machine delayed past it prove nothing either way, so they are tried again with another entry.
                for (int attempt = 1; attempt <= 5 && key == null; attempt++) {
                    // Taken before the put: the server's deadline counts from when it ran the put.
                    putAt = System.currentTimeMillis();
                    cache.put("isbn-" + attempt, "Sketches of the Analytical Engine");
                    Cache.ValueWrapper hit = cache.get("isbn-" + attempt);
                    Long left = template.getExpire("books::isbn-" + attempt, TimeUnit.MILLISECONDS);
                    if (System.currentTimeMillis() - putAt < ttl) {
                        assertThat(hit).as("a read within the TTL hits").isNotNull();
                        assertThat(hit.get()).isEqualTo("Sketches of the Analytical Engine");
                        assertThat(left).as("the TTL in ms of an entry put with a TTL of %d ms, asked within it", ttl)
                                .isBetween(1L, ttl);
                        key = "isbn-" + attempt;
                    }
                }
                assertThat(key).as("a put, a read and a TTL within %d ms in one of 5 tries", ttl).isNotNull();
                String entry = key;
                await().atMost(Duration.ofSeconds(10)).until(() -> cache.get(entry) == null);
                assertThat(System.currentTimeMillis() - putAt).as("the miss comes after the TTL").isGreaterThanOrEqualTo(ttl);
            }
            finally {
                factory.destroy();
            }
        }
    }

    @Test
    void springSessionSavesFindsRenamesExpiresAndSurvivesARestart() {
        String survivorId;
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            LettuceConnectionFactory factory = connectionTo(server);
            try {
                survivorId = saveFindRenameAndExpire(new RedisSessionRepository(sessionTemplate(factory)));
            }
            finally {
                factory.destroy();
            }
            server.signal("TERM");
            assertThat(server.awaitExit(Duration.ofSeconds(30))).isIn(0, 143);
        }
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            LettuceConnectionFactory factory = connectionTo(server);
            try {
                Session survivor = new RedisSessionRepository(sessionTemplate(factory)).findById(survivorId);
                assertThat(survivor).as("a saved session after a restart").isNotNull();
                assertThat((String) survivor.getAttribute("user")).isEqualTo("ada");
                assertThat(new StringRedisTemplate(factory).getExpire("spring:session:sessions:" + survivorId))
                        .as("its TTL survives the restart too").isBetween(1L, 1800L);
            }
            finally {
                factory.destroy();
            }
        }
    }

    /** Returns the id of a session that was saved, found and renamed, after one with a short TTL expired. */
    private static <S extends Session> String saveFindRenameAndExpire(SessionRepository<S> sessions) {
        S session = sessions.createSession();
        session.setAttribute("user", "ada");
        session.setMaxInactiveInterval(Duration.ofMinutes(30));
        sessions.save(session);
        S found = sessions.findById(session.getId());
        assertThat(found).isNotNull();
        assertThat((String) found.getAttribute("user")).isEqualTo("ada");

        String oldId = found.getId();
        String newId = found.changeSessionId();
        sessions.save(found);
        assertThat(sessions.findById(oldId)).as("the old id is gone after the change").isNull();
        assertThat((String) sessions.findById(newId).getAttribute("user")).isEqualTo("ada");

        // A find that returned within the session's second must find it; one that a stalled machine
        // delayed past it proves nothing either way, so a new session is tried.
        S shortLived = null;
        for (int attempt = 1; attempt <= 5 && shortLived == null; attempt++) {
            long created = System.currentTimeMillis();
            S candidate = sessions.createSession();
            candidate.setMaxInactiveInterval(Duration.ofSeconds(1));
            candidate.setAttribute("user", "babbage");
            sessions.save(candidate);
            S foundAgain = sessions.findById(candidate.getId());
            if (System.currentTimeMillis() - created < 1000) {
                assertThat(foundAgain).as("a session with 1 s to live, found within it").isNotNull();
                shortLived = candidate;
            }
        }
        assertThat(shortLived).as("a save and a find within 1 s in one of 5 tries").isNotNull();
        String shortLivedId = shortLived.getId();
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.findById(shortLivedId) == null);
        return newId;
    }

    /**
     * Whole seconds since {@code millis}: what a TTL asked for after its expiry was set may have
     * lost, besides its rounding, on a machine that stalled the client between the two.
     */
    private static long secondsSince(long millis) {
        return (System.currentTimeMillis() - millis) / 1000;
    }

    private static RedisTemplate<String, Object> sessionTemplate(LettuceConnectionFactory factory) {
        RedisTemplate<String, Object> template = new RedisTemplate<>();
        template.setConnectionFactory(factory);
        template.setKeySerializer(new StringRedisSerializer());
        template.setHashKeySerializer(new StringRedisSerializer());
        template.setHashValueSerializer(new JdkSerializationRedisSerializer());
        template.afterPropertiesSet();
        return template;
    }

    /** Spring Session's indexed repository keeps a set per principal name beside each session's hash. */
    @Test
    void springSessionsIndexedRepositoryFindsSessionsByPrincipalName() {
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            LettuceConnectionFactory factory = connectionTo(server);
            try {
                RedisIndexedSessionRepository sessions = new RedisIndexedSessionRepository(sessionTemplate(factory));
                sessions.afterPropertiesSet();
                try {
                    List<String> ids = saveForPrincipals(sessions, "ada", "ada", "charles");
                    assertThat(sessions.findByPrincipalName("ada")).containsOnlyKeys(ids.get(0), ids.get(1));
                    assertThat(sessions.findByPrincipalName("charles")).containsOnlyKeys(ids.get(2));
                    assertThat(sessions.findByPrincipalName("nobody")).isEmpty();
                    sessions.deleteById(ids.get(0));
                    assertThat(sessions.findByPrincipalName("ada")).containsOnlyKeys(ids.get(1));
                }
                finally {
                    // Its clean-up schedule would otherwise outlive the test and the server.
                    sessions.destroy();
                }
            }
            finally {
                factory.destroy();
            }
        }
    }

    private static <S extends Session> List<String> saveForPrincipals(FindByIndexNameSessionRepository<S> sessions,
            String... principals) {
        List<String> ids = new ArrayList<>();
        for (String principal : principals) {
            S session = sessions.createSession();
            session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal);
            sessions.save(session);
            ids.add(session.getId());
        }
        return ids;
    }

    @Test
    void aTemplatesHashAndExpiryOperationsWork() {
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            LettuceConnectionFactory factory = connectionTo(server);
            try {
                StringRedisTemplate template = new StringRedisTemplate(factory);
                template.opsForHash().putAll("user:1", Map.of("name", "Ada", "born", "1815"));
                template.opsForHash().put("user:1", "city", "London");
                assertThat(template.opsForHash().entries("user:1"))
                        .containsExactlyInAnyOrderEntriesOf(Map.of("name", "Ada", "born", "1815", "city", "London"));
                assertThat(template.opsForHash().increment("user:1", "born", 1)).isEqualTo(1816);
                assertThat(template.opsForHash().delete("user:1", "city", "none")).isEqualTo(1);
                assertThat(template.opsForHash().size("user:1")).isEqualTo(2);
                long expireSent = System.currentTimeMillis();
                assertThat(template.expire("user:1", Duration.ofSeconds(100))).isTrue();
                assertThat(template.getExpire("user:1")).as("TTL in s of a key given 100 s")
                        .isBetween(99L - secondsSince(expireSent), 100L);
                assertThat(template.persist("user:1")).isTrue();
                assertThat(template.getExpire("user:1")).isEqualTo(-1);
                long setSent = System.currentTimeMillis();
                template.opsForValue().set("temp", "x", Duration.ofSeconds(30));
                assertThat(template.getExpire("temp")).as("TTL in s of a key set with 30 s")
                        .isBetween(29L - secondsSince(setSent), 30L);
                assertThat(template.type("user:1").code()).isEqualTo("hash");
                template.rename("user:1", "user:2");
                assertThat(template.opsForHash().get("user:2", "name")).isEqualTo("Ada");
                assertThat(template.hasKey("user:1")).isFalse();
            }
            finally {
                factory.destroy();
            }
        }
    }
}
