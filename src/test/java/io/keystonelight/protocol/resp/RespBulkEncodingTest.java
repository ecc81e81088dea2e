package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.keystonelight.command.Command;
import io.keystonelight.command.Session;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bulk string's header comes from cached bytes below one length and is written digit by digit
 * from it on: both sides of that edge, and the lengths where the digits change, must word the
 * same {@code $<n>\r\n<bytes>\r\n} a value read in place or a {@code byte[]} result gets.
 */
class RespBulkEncodingTest {

    private final RespProtocol protocol = new RespProtocol();

    private final Session session = new Session(Runnable::run, "test");

    private final Command get = new Command.Get("key".getBytes(StandardCharsets.US_ASCII));

    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 9, 10, 99, 100, 1022, 1023, 1024, 1025, 70_000 })
    void aValueIsOneBulkStringOfItsLengthWhetherWrittenInPlaceOrAsAResult(int length) {
        byte[] value = new byte[length];
        Arrays.fill(value, (byte) 'v');
        byte[] arena = new byte[length + 7];
        System.arraycopy(value, 0, arena, 3, length);
        String expected = "$" + length + "\r\n" + "v".repeat(length) + "\r\n";

        ByteBuf inPlace = ByteBufAllocator.DEFAULT.ioBuffer();
        ByteBuf asResult = ByteBufAllocator.DEFAULT.ioBuffer();
        try {
            this.protocol.encodeValue(this.session, this.get, arena, 3, length, inPlace);
            this.protocol.encode(this.session, this.get, value, null, asResult);
            assertThat(inPlace.toString(StandardCharsets.US_ASCII))
                    .as("the reply to a GET of a %d-byte value written from the store's arena", length)
                    .isEqualTo(expected);
            assertThat(asResult.toString(StandardCharsets.US_ASCII))
                    .as("the reply to a GET of a %d-byte value given as a byte[] result", length)
                    .isEqualTo(expected);
        }
        finally {
            inPlace.release();
            asResult.release();
        }
    }
}
