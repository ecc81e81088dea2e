package io.keystonelight.protocol.resp;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.RedisServerProcess;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import static org.assertj.core.api.Assertions.assertThat;

/** The server in this JVM beside a real redis-server of the test class's own, both emptied before each test. */
abstract class ServerBesideRedis extends ServerInThisJvm {

    @TempDir
    static Path redisFolder;

    static RedisServerProcess redis;

    @BeforeEach
    void startRedisOnce() {
        if (redis == null) {
            redis = RedisServerProcess.start(redisFolder);
        }
        try (RespConnection kl = RespConnection.connect(this.port);
                RespConnection reference = RespConnection.connect(redis.port())) {
            assertThat(kl.call("FLUSHALL")).isEqualTo("+OK\r\n");
            assertThat(reference.call("FLUSHALL")).isEqualTo("+OK\r\n");
        }
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }
}
