package io.keystonelight.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;

/**
 * A GET with one request in flight allocates nothing on the event loop, in both protocols: no
 * command, key or value copy, future or reply object (issue 19), read from INFO's per-thread
 * allocation counters over thousands of GETs.
 */
class GetAllocatesNothingTest extends AllocationPerRequest {

    private static final int GETS = 5_000;

    /** At most this many bytes per GET on average: what is left of INFO's own allocation, spread. */
    private static final double MOST_BYTES_PER_GET = 4;

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

    private static double bytesPerRequest(RespConnection info, Runnable requests) {
        return bytesPerRequest(info, GETS, requests, "keystonelight_event_loop_allocated_bytes");
    }
}
