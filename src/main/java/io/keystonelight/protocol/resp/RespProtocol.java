package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandException;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.Resp3;
import io.keystonelight.command.Session;
import io.keystonelight.store.CompactionResult;
import io.keystonelight.store.WriteRefusedException;
import io.keystonelight.store.WriteRejectedException;
import io.keystonelight.transport.RequestLimits;
import io.keystonelight.transport.WireProtocol;

import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * RESP, Redis's protocol, on the same port as the text protocol: a connection whose first byte
 * is {@code *} speaks it for its whole life, RESP2 until {@code HELLO 3} asks for RESP3, whose
 * types ({@link Resp3}) each command chooses for its reply ({@link io.keystonelight.command.Command#resp3}). Replies are worded from the command's result:
 * {@link CommandExecutor#OK} is {@code +OK}, {@link CommandExecutor#NONE} a null bulk, a
 * {@code byte[]} a bulk string, a number an integer, a {@link String} a status line (a bulk
 * string inside an array), a {@link List} an array; failures are {@code -CODE message}.
 */
@Component
@Order(0)
public class RespProtocol implements WireProtocol {

    /** A status reply ({@code +text}) inside an array, where a {@link String} is a bulk string. */
    record Status(String text) {
    }

    /** Several replies to one request, one after the other (SUBSCRIBE answers once per channel). */
    record Several(List<Object> replies) {
    }

    private static final byte[] CRLF = { '\r', '\n' };

    /** CRLF as one big-endian short: one write instead of a copy of a two-byte array. */
    private static final int CRLF_SHORT = '\r' << 8 | '\n';

    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);

    /** RESP3 has one null, for a missing bulk string and a missing array alike. */
    private static final byte[] NULL = "_\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] VERBATIM_TEXT = "txt:".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "resp";
    }

    @Override
    public boolean claims(byte firstByte) {
        return firstByte == '*';
    }

    @Override
    public ChannelHandler newDecoder(RequestLimits limits) {
        return RespRequestDecoder.forConnection(limits.maxBulkLength(), null);
    }

    @Override
    public ChannelHandler newDecoder(RequestLimits limits, java.util.function.Consumer<Command> requests) {
        return RespRequestDecoder.forConnection(limits.maxBulkLength(), requests);
    }

    @Override
    public void encode(Command command, Object result, Throwable failure, ByteBuf out) {
        encode(result, failure, out, false);
    }

    /** A value is the same bulk string in RESP2 and RESP3 (RESP3 changes only the missing one). */
    @Override
    public void encodeValue(Session session, Command command, byte[] value, int offset, int length, ByteBuf out) {
        out.ensureWritable(length + 16);
        bulkHeader(out, length);
        out.writeBytes(value, offset, length);
        out.writeShort(CRLF_SHORT);
    }

    /**
     * Words the reply in the connection's RESP version at the place the reply leaves: a successful
     * {@code HELLO} switches it, its own reply already in the new version, as Redis does.
     */
    @Override
    public void encode(Session session, Command command, Object result, Throwable failure, ByteBuf out) {
        if (failure == null && command instanceof RespCommand.Hello hello && hello.protocolVersion() != 0) {
            session.replyProtocol((int) hello.protocolVersion());
        }
        if (session.replyProtocol() == 3) {
            encode(failure == null ? command.resp3(result) : null, failure, out, true);
        }
        else {
            encode(result, failure, out, false);
        }
    }

    private static void encode(Object result, Throwable failure, ByteBuf out, boolean resp3) {
        if (failure != null) {
            error(out, failure);
            return;
        }
        if (result instanceof String text) {
            status(out, text);
        }
        else if (result instanceof CompactionResult) {
            status(out, "OK");
        }
        else {
            value(out, result, resp3);
        }
    }

    /** @param resp3 whether RESP3's null and its types beyond RESP2's ({@link Resp3}) are spoken */
    private static void value(ByteBuf out, Object result, boolean resp3) {
        if (result == CommandExecutor.OK) {
            out.writeBytes(OK);
        }
        else if (result instanceof byte[] bulk) {
            bulk(out, bulk);
        }
        else if (result instanceof String text) {
            bulk(out, text.getBytes(StandardCharsets.UTF_8));
        }
        else if (result instanceof Long || result instanceof Integer) {
            out.writeByte(':');
            writeDecimal(out, ((Number) result).longValue());
            out.writeBytes(CRLF);
        }
        else if (result instanceof List<?> list) {
            aggregate(out, '*', list, resp3);
        }
        else if (result instanceof Status status) {
            status(out, status.text());
        }
        else if (result instanceof io.keystonelight.command.StatusReply status) {
            status(out, status.text());
        }
        else if (result == CommandExecutor.NULL_ARRAY) {
            out.writeBytes(resp3 ? NULL : NULL_ARRAY);
        }
        else if (result instanceof Several several) {
            for (Object reply : several.replies()) {
                value(out, reply, resp3);
            }
        }
        else if (result instanceof Resp3.MapReply map) {
            map(out, map.flat());
        }
        else if (result instanceof Resp3.SetReply set) {
            aggregate(out, '~', set.members(), true);
        }
        else if (result instanceof Resp3.PushReply push) {
            aggregate(out, '>', push.parts(), true);
        }
        else if (result instanceof Resp3.DoubleReply number) {
            number(out, number.digits());
        }
        else if (result instanceof Resp3.VerbatimReply verbatim) {
            verbatim(out, verbatim.text());
        }
        else if (result instanceof Throwable failure) {
            // A command's error inside EXEC's array.
            error(out, failure);
        }
        else if (result instanceof CompactionResult) {
            status(out, "OK");
        }
        else if (result == CommandExecutor.NONE || result == null) {
            out.writeBytes(resp3 ? NULL : NULL_BULK);
        }
        else {
            throw new IllegalArgumentException("no RESP form for a result of type " + result.getClass().getName());
        }
    }

    /** {@code *} an array, {@code ~} a set, {@code >} a push: a count, then the elements. */
    private static void aggregate(ByteBuf out, char type, List<?> elements, boolean resp3) {
        out.writeByte(type);
        writeDecimal(out, elements.size());
        out.writeBytes(CRLF);
        for (Object element : elements) {
            value(out, element, resp3);
        }
    }

    /** {@code %}: the count of pairs, then key and value in turn. */
    private static void map(ByteBuf out, List<?> flat) {
        if (flat.size() % 2 != 0) {
            throw new IllegalArgumentException("a map needs keys and values in pairs, got " + flat.size()
                    + " elements");
        }
        out.writeByte('%');
        writeDecimal(out, flat.size() / 2);
        out.writeBytes(CRLF);
        for (Object element : flat) {
            value(out, element, true);
        }
    }

    /** {@code ,}: the digits Redis's {@code %.17g} gives, {@code inf} and {@code -inf} as they are. */
    private static void number(ByteBuf out, byte[] digits) {
        out.writeByte(',');
        out.writeBytes(digits);
        out.writeBytes(CRLF);
    }

    /** {@code =}: a bulk string whose first four bytes name its format. */
    private static void verbatim(ByteBuf out, byte[] text) {
        out.ensureWritable(text.length + 24);
        out.writeByte('=');
        writeDecimal(out, text.length + 4);
        out.writeBytes(CRLF);
        out.writeBytes(VERBATIM_TEXT);
        out.writeBytes(text);
        out.writeBytes(CRLF);
    }

    private static void bulk(ByteBuf out, byte[] bytes) {
        out.ensureWritable(bytes.length + 16);
        bulkHeader(out, bytes.length);
        out.writeBytes(bytes);
        out.writeShort(CRLF_SHORT);
    }

    /**
     * {@code $<length>\r\n}: one copy of cached bytes for the lengths most values have. Every
     * write to the output buffer pays its bounds and reference checks, which cost more than the
     * bytes of a short reply, so a GET's reply is three writes, not five.
     */
    private static void bulkHeader(ByteBuf out, int length) {
        if (length < BULK_HEADERS.length) {
            out.writeBytes(BULK_HEADERS[length]);
            return;
        }
        out.writeByte('$');
        writeDecimal(out, length);
        out.writeShort(CRLF_SHORT);
    }

    private static void status(ByteBuf out, String text) {
        out.writeByte('+');
        out.writeCharSequence(text, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }

    /** The decimal forms of 0 to 1023, which most lengths and counts are: written without making a String. */
    private static final byte[][] SMALL_DECIMALS = new byte[1024][];

    /** {@code $<n>\r\n} for n from 0 to 1023, the header of every bulk string of those lengths. */
    private static final byte[][] BULK_HEADERS = new byte[1024][];

    static {
        for (int i = 0; i < SMALL_DECIMALS.length; i++) {
            SMALL_DECIMALS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < BULK_HEADERS.length; i++) {
            BULK_HEADERS[i] = ("$" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static void writeDecimal(ByteBuf out, long value) {
        if (value >= 0 && value < SMALL_DECIMALS.length) {
            out.writeBytes(SMALL_DECIMALS[(int) value]);
            return;
        }
        if (value == Long.MIN_VALUE) {
            out.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII);
            return;
        }
        long rest = value;
        if (rest < 0) {
            out.writeByte('-');
            rest = -rest;
        }
        long divisor = 1;
        while (divisor <= rest / 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.writeByte('0' + (int) (rest / divisor % 10));
        }
    }

    private static void error(ByteBuf out, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        String code = "ERR";
        String message;
        if (cause instanceof CommandException command) {
            code = command.code();
            message = command.getMessage();
        }
        else if (cause instanceof WriteRefusedException) {
            message = "write not persisted, nothing was changed: " + cause.getMessage();
        }
        else if (cause instanceof WriteRejectedException rejected) {
            code = rejected.code();
            message = cause.getMessage();
        }
        else {
            message = "internal error: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        out.writeByte('-');
        out.writeCharSequence(code, StandardCharsets.US_ASCII);
        out.writeByte(' ');
        out.writeCharSequence(message.replace('\r', ' ').replace('\n', ' '), StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }
}
