package io.keystonelight.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

/**
 * A GET with one request in flight allocates nothing on the event loop, in both protocols: no
 * command, key or value copy, future or reply object (issue 19), read from INFO's per-thread
 * allocation counters over thousands of GETs.
 */
class GetAllocatesNothingTest extends ServerInThisJvm {

    private static final int GETS = 5_000;

    /** At most this many bytes per GET on average: what is left of INFO's own allocation, spread. */
    private static final double MOST_BYTES_PER_GET = 4;

    private static ResourceLeakDetector.Level leakDetection;

    /**
     * Netty's leak detector records the stack of one buffer in 128, a few hundred bytes each time:
     * off here, so that what is measured is the request path's own allocation.
     */
    @BeforeAll
    static void leakDetectionOff() {
        leakDetection = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterAll
    static void leakDetectionBack() {
        ResourceLeakDetector.setLevel(leakDetection);
    }

    @Test
    void aRespGetFoundOrMissingAllocatesNothingOnTheEventLoop() {
        try (RespConnection client = RespConnection.connect(this.port)) {
            assertThat(client.call("SET", "key:00000001", "a value of 24 bytes here")).isEqualTo("+OK\r\n");
            double found = bytesPerRequest(client, () -> {
                for (int i = 0; i < GETS; i++) {
                    assertThat(client.call("GET", "key:00000001")).isEqualTo("$24\r\na value of 24 bytes here\r\n");
                }
            });
            double missing = bytesPerRequest(client, () -> {
                for (int i = 0; i < GETS; i++) {
                    assertThat(client.call("GET", "key:00000002")).isEqualTo("$-1\r\n");
                }
            });
            assertThat(found).as("bytes the event loops allocated per RESP GET of a key that has a value")
                    .isLessThanOrEqualTo(MOST_BYTES_PER_GET);
            assertThat(missing).as("bytes the event loops allocated per RESP GET of a key that has none")
                    .isLessThanOrEqualTo(MOST_BYTES_PER_GET);
        }
    }

    @Test
    void aTextGetAllocatesNothingOnTheEventLoop() {
        try (RespConnection info = RespConnection.connect(this.port); LineClient client = connect()) {
            assertThat(client.call("set text:00000001 value-of-the-text-protocol")).isEqualTo("OK");
            double found = bytesPerRequest(info, () -> {
                for (int i = 0; i < GETS; i++) {
                    assertThat(client.call("get text:00000001")).isEqualTo("VALUE value-of-the-text-protocol");
                }
            });
            assertThat(found).as("bytes the event loops allocated per text GET").isLessThanOrEqualTo(MOST_BYTES_PER_GET);
        }
    }

    /**
     * What the event loops allocated per request of {@code requests}, less what the INFO that reads
     * the counter allocates itself (measured by two INFOs in a row). The least of a few rounds:
     * what a GET allocates shows in every round, while a task the loop runs now and then (a timer,
     * a collection of the loop's own) shows in one.
     */
    private static double bytesPerRequest(RespConnection info, Runnable requests) {
        requests.run(); // warm: the first GETs of a connection grow its reused arrays once
        double least = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long first = allocated(info);
            long second = allocated(info);
            requests.run();
            long third = allocated(info);
            least = Math.min(least, (double) (third - second - (second - first)) / GETS);
        }
        return least;
    }

    private static long allocated(RespConnection info) {
        Matcher matcher = Pattern.compile("(?m)^keystonelight_event_loop_allocated_bytes:(-?[0-9]+)")
                .matcher(info.call("INFO", "stats"));
        assertThat(matcher.find()).as("INFO stats has keystonelight_event_loop_allocated_bytes").isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
