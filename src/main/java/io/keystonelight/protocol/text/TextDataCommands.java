package io.keystonelight.protocol.text;

import java.nio.charset.StandardCharsets;

import io.keystonelight.command.data.DataCommand;
import io.keystonelight.command.data.DataCommands;
import io.keystonelight.command.data.DataRequest;
import io.netty.buffer.ByteBuf;

/**
 * The text protocol's expiry requests: Redis's {@code EXPIRE}, {@code TTL} and {@code PERSIST},
 * with replies in this protocol's words ({@code OK}, {@code TTL <n>}, {@code TTL none},
 * {@code NOT_FOUND}).
 */
final class TextDataCommands {

    static final DataCommand EXPIRE = DataCommands.lookup("expire");

    static final DataCommand TTL = DataCommands.lookup("ttl");

    /** PERSIST that tells a missing key (-1) from one that had no deadline (0). */
    static final DataCommand PERSIST = DataCommands.lookupInternal("persist-or-missing");

    private TextDataCommands() {
    }

    static void reply(DataRequest request, Object result, ByteBuf out) {
        long n = ((Number) result).longValue();
        String text = switch (request.command().name()) {
            case "expire" -> n == 1 ? "OK" : "NOT_FOUND";
            case "ttl" -> n == -2 ? "NOT_FOUND" : n == -1 ? "TTL none" : "TTL " + n;
            default -> n < 0 ? "NOT_FOUND" : "OK";
        };
        out.writeCharSequence(text, StandardCharsets.US_ASCII);
    }
}
