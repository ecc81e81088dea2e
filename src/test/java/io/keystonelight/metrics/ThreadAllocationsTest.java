package io.keystonelight.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.TestPropertySource;

/**
 * INFO's allocation counters, which bench/run divides by the requests served: they must count
 * the threads that really serve requests, the event loops and (under fsync always) the committer.
 */
@TestPropertySource(properties = "keystonelight.storage.fsync=always")
class ThreadAllocationsTest extends ServerInThisJvm {

    @Test
    void infoCountsWhatTheEventLoopsAndTheCommitterAllocateForRequests() {
        try (RespConnection client = RespConnection.connect(this.port)) {
            String before = client.call("INFO", "stats");
            for (int i = 0; i < 500; i++) {
                client.call("SET", "key:" + i, "value:" + i);
                client.call("GET", "key:" + i);
            }
            String after = client.call("INFO", "stats");
            assertThat(field(after, "keystonelight_event_loop_allocated_bytes")
                    - field(before, "keystonelight_event_loop_allocated_bytes"))
                    .as("bytes the event loops allocated while serving 1,000 requests").isPositive();
            assertThat(field(after, "keystonelight_committer_allocated_bytes")
                    - field(before, "keystonelight_committer_allocated_bytes"))
                    .as("bytes the committer allocated while making 500 SETs durable").isPositive();
        }
    }

    private static long field(String info, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + ":(-?[0-9]+)").matcher(info);
        assertThat(matcher.find()).as("INFO stats has %s in: %s", name, info).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
