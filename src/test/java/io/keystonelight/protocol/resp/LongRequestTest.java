package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request that takes seconds must not keep the other connections of its event loop waiting:
 * with one loop, every connection shares it.
 */
@TestPropertySource(properties = { "keystonelight.server.workers=1", "keystonelight.storage.fsync=no" })
class LongRequestTest extends ServerInThisJvm {

    private static final int KEYS = 3000;

    /** Each key is 1000 a's and a number; the pattern below almost matches it from every position. */
    private static final String PREFIX = "a".repeat(1000);

    /**
     * The star is tried at each of a key's 1000 positions and each try compares up to 400 bytes:
     * about 3 * 10^5 steps a key, 10^9 for the request, a second or more.
     */
    private static final String PATTERN = "*" + "a".repeat(400) + "b";

    @Test
    void aLongKeysDoesNotHoldTheOtherConnectionsOfItsLoop() {
        try (RespConnection slow = RespConnection.connect(this.port);
                RespConnection other = RespConnection.connect(this.port)) {
            List<String> mset = new ArrayList<>(List.of("MSET"));
            for (int i = 0; i < KEYS; i++) {
                mset.add(PREFIX + ":" + i);
                mset.add("v");
            }
            assertThat(slow.call(mset.toArray(String[]::new))).isEqualTo("+OK\r\n");
            assertThat(other.call("PING")).isEqualTo("+PONG\r\n");

            // A machine that stalls the test for longer than KEYS runs lets KEYS finish before the
            // PING is even sent; with KEYS on the loop the PING always waits, so a few rounds tell.
            int round = 1;
            while (true) {
                slow.send(RespConnection.request("KEYS", PATTERN));
                assertThat(other.call("PING")).as("another connection of the same loop is answered while KEYS runs")
                        .isEqualTo("+PONG\r\n");
                if (!slow.replyArrived()) {
                    break;
                }
                assertThat(round).as("KEYS must still be running when the other connection's PING is answered; "
                        + "it was done in %d rounds of %d: the PING waited for it on the loop", round, 3)
                        .isLessThan(3);
                assertThat(slow.readReply()).isEqualTo("*0\r\n");
                round++;
            }
            assertThat(other.call("SET", "during", "keys")).isEqualTo("+OK\r\n");
            assertThat(slow.readReply()).as("KEYS " + PATTERN + " still answers, in its turn").isEqualTo("*0\r\n");
            assertThat(slow.call("KEYS", PREFIX + ":1?9")).as("and finds keys as before")
                    .startsWith("*10\r\n");
        }
    }
}
