package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** RESP's bulk limit is its own setting: the text protocol's line limit does not bound it, nor it that. */
@TestPropertySource(properties = { "keystonelight.server.proto-max-bulk-len=2MB",
        "keystonelight.server.max-line-length=1KB" })
class RespBulkLimitTest extends ServerInThisJvm {

    private static final int LIMIT = 2 * 1024 * 1024;

    @Test
    void aBulkUpToProtoMaxBulkLenIsStoredAndReadBackWhateverTheLineLimit() {
        byte[] value = new byte[LIMIT];
        new Random(7).nextBytes(value);
        try (RespConnection resp = RespConnection.connect(this.port)) {
            byte[] key = "big".getBytes(StandardCharsets.US_ASCII);
            assertThat(resp.send(RespConnection.request("SET".getBytes(), key, value)).readReply())
                    .isEqualTo("+OK\r\n");
            String reply = resp.send(RespConnection.request("GET".getBytes(), key)).readReply();
            assertThat(reply).startsWith("$" + LIMIT + "\r\n");
            assertThat(reply.substring(reply.indexOf('\n') + 1, reply.length() - 2).getBytes(StandardCharsets.ISO_8859_1))
                    .as("the value read back").isEqualTo(value);
        }
    }

    @Test
    void aBulkOverProtoMaxBulkLenIsRedissProtocolErrorAndClosesTheConnection() {
        try (RespConnection resp = RespConnection.connect(this.port)) {
            String reply = resp.send(RespConnection.request("SET".getBytes(), "k".getBytes(), new byte[LIMIT + 1]))
                    .readReply();
            assertThat(reply).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
            assertThat(resp.closedByServer()).isTrue();
        }
    }

    @Test
    void theTextProtocolKeepsItsOwnLineLimit() {
        try (LineClient text = connect()) {
            assertThat(text.call("set k " + "v".repeat(2000))).startsWith("ERR line too long")
                    .contains("keystonelight.server.max-line-length");
        }
    }
}
