package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

/**
 * Writes that the write pipeline answers straight into their reply's place in the connection's
 * ring, with no future between them: pipelined with reads, refused ones among them, across the
 * switch to RESP3, replies still leave in request order with what Redis 7.0 answers.
 */
class WriteRepliesInPlaceTest extends ServerInThisJvm {

    @Test
    void pipelinedWritesReadsAndRefusedWritesAreAnsweredInRequestOrder() {
        try (RespConnection client = RespConnection.connect(this.port)) {
            assertThat(client.call("SET", "order:text", "not a number")).isEqualTo("+OK\r\n");
            // One packet, so that the writes are in flight together and the reads wait behind them.
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            String[][] requests = {
                    { "SET", "order:n", "41" },
                    { "INCR", "order:n" },
                    { "GET", "order:n" },
                    { "INCR", "order:text" },
                    { "GET", "order:text" },
                    { "RPUSH", "order:list", "a", "b" },
                    { "DEL", "order:n", "order:missing" },
                    { "GET", "order:n" },
                    { "HSET", "order:hash", "f", "v" },
                    { "HELLO", "3" },
                    { "HSET", "order:hash", "g", "w" },
                    { "HGETALL", "order:hash" },
                    { "LLEN", "order:list" },
            };
            for (String[] request : requests) {
                pipeline.writeBytes(RespConnection.request(request));
            }
            client.send(pipeline.toByteArray());
            String[] expected = {
                    "+OK\r\n",
                    ":42\r\n",
                    "$2\r\n42\r\n",
                    "-ERR value is not an integer or out of range\r\n",
                    "$12\r\nnot a number\r\n",
                    ":2\r\n",
                    ":1\r\n",
                    "$-1\r\n",
                    ":1\r\n",
                    null, // HELLO's map: only that it comes here, in its turn
                    ":1\r\n",
                    "%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n",
                    ":2\r\n",
            };
            for (int i = 0; i < expected.length; i++) {
                String reply = client.readReply();
                if (expected[i] == null) {
                    assertThat(reply).as("reply %d, to HELLO 3", i).startsWith("%");
                }
                else {
                    assertThat(reply).as("reply %d, to %s", i, String.join(" ", requests[i])).isEqualTo(expected[i]);
                }
            }
        }
    }
}
