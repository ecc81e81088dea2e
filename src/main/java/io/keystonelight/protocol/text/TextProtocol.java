package io.keystonelight.protocol.text;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;

import io.keystonelight.command.Command;
import io.keystonelight.command.data.DataRequest;
import io.keystonelight.command.CommandException;
import io.keystonelight.compaction.CompactionHistory;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.WriteRefusedException;
import io.keystonelight.store.WriteRejectedException;
import io.keystonelight.transport.RequestLimits;
import io.keystonelight.transport.WireProtocol;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The plain-text protocol: one request per line, one reply line per request, ended by
 * {@code \r\n}. Any connection whose first byte no other protocol claims speaks it.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
public class TextProtocol implements WireProtocol {

    private static final byte[] CRLF = { '\r', '\n' };

    private static final byte[] OK = "OK".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] NOT_FOUND = "NOT_FOUND".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] DELETED = "DELETED ".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "text";
    }

    @Override
    public boolean claims(byte firstByte) {
        return true;
    }

    @Override
    public ChannelHandler newDecoder(RequestLimits limits) {
        return new TextRequestDecoder(limits.maxLineLength());
    }

    @Override
    public void encode(Command command, Object result, Throwable failure, ByteBuf out) {
        if (failure != null) {
            error(out, errorMessage(failure));
        }
        else {
            success(command, result, out);
        }
        out.writeBytes(CRLF);
    }

    @Override
    public void encodeValue(io.keystonelight.command.Session session, Command command, byte[] value, int offset,
            int length, ByteBuf out) {
        if (!(command instanceof Command.Get) || !fitsOnOneLine(value, offset, length)) {
            encode(command, java.util.Arrays.copyOfRange(value, offset, offset + length), null, out);
            return;
        }
        out.ensureWritable(VALUE.length + length + CRLF.length);
        out.writeBytes(VALUE).writeBytes(value, offset, length).writeBytes(CRLF);
    }

    private static void success(Command command, Object result, ByteBuf out) {
        if (command instanceof Command.Get) {
            if (result instanceof byte[] value) {
                if (!fitsOnOneLine(value)) {
                    error(out, "the value of this key holds a CR, LF or NUL byte and cannot be shown on one line "
                            + "of the text protocol; read it over RESP (redis-cli, or any Redis client)");
                    return;
                }
                out.writeBytes(VALUE).writeBytes(value);
            }
            else {
                out.writeBytes(NOT_FOUND);
            }
        }
        else if (command instanceof DataRequest request) {
            TextDataCommands.reply(request, result, out);
        }
        else if (command instanceof Command.Delete) {
            out.writeBytes(DELETED).writeCharSequence(String.valueOf(result), StandardCharsets.US_ASCII);
        }
        else if (result instanceof CompactionResult compaction) {
            out.writeBytes(OK).writeByte(' ')
                    .writeCharSequence(CompactionHistory.summary(compaction), StandardCharsets.UTF_8);
        }
        else if (result instanceof String text) {
            out.writeCharSequence(text, StandardCharsets.UTF_8);
        }
        else {
            out.writeBytes(OK);
        }
    }

    private static boolean fitsOnOneLine(byte[] value) {
        return fitsOnOneLine(value, 0, value.length);
    }

    private static boolean fitsOnOneLine(byte[] value, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            byte b = value[i];
            if (b == '\r' || b == '\n' || b == 0) {
                return false;
            }
        }
        return true;
    }

    private static void error(ByteBuf out, String message) {
        out.writeCharSequence("ERR ", StandardCharsets.US_ASCII);
        out.writeCharSequence(message, StandardCharsets.UTF_8);
    }

    private static String errorMessage(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof CommandException command) {
            return command.textWording();
        }
        if (cause instanceof WriteRefusedException) {
            return "write not persisted, nothing was changed: " + cause.getMessage();
        }
        if (cause instanceof io.keystonelight.store.WrongTypeException wrongType) {
            return "this key holds a " + wrongType.actual().redisName() + ", not a string; the text protocol reads "
                    + "strings only: read it over RESP (redis-cli, or any Redis client)";
        }
        if (cause instanceof WriteRejectedException) {
            return cause.getMessage();
        }
        return "internal error: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
