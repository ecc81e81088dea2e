package io.keystonelight.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.core.serializer.Serializer;

/**
 * Writes reply lines, each ended by {@code \r\n}: one, or the replies to a batch of requests.
 */
final class ReplySerializer implements Serializer<Object> {

    private static final byte[] CRLF = { '\r', '\n' };

    @Override
    public void serialize(Object reply, OutputStream out) throws IOException {
        if (reply instanceof List<?> replies) {
            for (Object one : replies) {
                serialize(one, out);
            }
            return;
        }
        byte[] bytes = reply instanceof byte[] raw ? raw : reply.toString().getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        out.write(CRLF);
    }
}
