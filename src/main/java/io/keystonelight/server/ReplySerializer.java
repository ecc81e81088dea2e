package io.keystonelight.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.springframework.core.serializer.Serializer;

/**
 * Writes one reply line, ended by {@code \r\n}.
 */
final class ReplySerializer implements Serializer<Object> {

    private static final byte[] CRLF = { '\r', '\n' };

    @Override
    public void serialize(Object reply, OutputStream out) throws IOException {
        byte[] bytes = reply instanceof byte[] raw ? raw : reply.toString().getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        out.write(CRLF);
    }
}
