package io.keystonelight.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;

import io.keystonelight.command.Command;
import io.keystonelight.command.PendingReply;
import io.keystonelight.command.Session;

/**
 * A protocol clients may speak on the TCP port: how its requests are framed and parsed into
 * commands, and how replies are worded. The transport knows no syntax itself; it picks the
 * protocol by the connection's first byte and keeps it for the connection's life.
 */
public interface WireProtocol {

    /** A short name for logs and metrics, such as {@code text} or {@code resp}. */
    String name();

    /** Whether a connection whose first byte is {@code firstByte} speaks this protocol. */
    boolean claims(byte firstByte);

    /**
     * A decoder for one new connection: reads bytes and passes each request on as a
     * {@link io.keystonelight.command.Command}, in order. A request that cannot be framed becomes
     * a {@link io.keystonelight.command.Command.Invalid} that closes the connection, and the
     * decoder ignores what follows it.
     * @param limits how large a request may be; each protocol takes the limit that is its own
     */
    ChannelHandler newDecoder(RequestLimits limits);

    /**
     * A decoder for one new server connection that may hand each request straight to
     * {@code requests}, in order, instead of passing it down the channel pipeline: a pipeline
     * hop per request costs more than a small request's parsing. A protocol that does not need
     * that passes them on as {@link #newDecoder(RequestLimits)}'s decoder does.
     */
    default ChannelHandler newDecoder(RequestLimits limits, java.util.function.Consumer<Command> requests) {
        return newDecoder(limits);
    }

    /**
     * Writes the reply to {@code command}, whose result is there, to {@code out}.
     * @param result what the command gave, when it succeeded
     * @param failure why it failed, or {@code null}
     */
    void encode(Command command, Object result, Throwable failure, ByteBuf out);

    /** Writes the reply to {@code reply} as {@link #encode(Command, Object, Throwable, ByteBuf)} does. */
    default void encode(PendingReply reply, Object result, Throwable failure, ByteBuf out) {
        encode(reply.command(), result, failure, out);
    }

    /**
     * Writes the reply as {@link #encode(Command, Object, Throwable, ByteBuf)} does, for a protocol
     * whose wording depends on the connection (RESP's version, chosen by {@code HELLO}).
     * @param session the connection's, on its event loop, replies asked for in the order they leave
     */
    default void encode(Session session, Command command, Object result, Throwable failure, ByteBuf out) {
        encode(command, result, failure, out);
    }

    /**
     * Writes the reply to {@code command} whose result is the string value in
     * {@code value[offset, offset + length)}, as {@link #encode(Session, Command, Object, Throwable, ByteBuf)}
     * would write that value as a {@code byte[]}: a protocol writes it from where it lies, with no copy.
     */
    default void encodeValue(Session session, Command command, byte[] value, int offset, int length, ByteBuf out) {
        encode(session, command, java.util.Arrays.copyOfRange(value, offset, offset + length), null, out);
    }

    /** The line a connection gets when it is refused because too many are open. */
    default byte[] tooManyConnections(int limit) {
        return ("ERR too many connections: this server serves at most " + limit
                + " at once (keystonelight.server.max-connections); try again later\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
