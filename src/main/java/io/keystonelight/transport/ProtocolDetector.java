package io.keystonelight.transport;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Waits for a connection's first byte (empty lines before it in the same read aside) and then
 * puts the decoder of the protocol it names in its own place, for the connection's whole life;
 * the bytes read so far go on to that decoder.
 */
final class ProtocolDetector extends ChannelInboundHandlerAdapter {

    private final List<WireProtocol> protocols;

    private final RequestLimits limits;

    private final ConnectionRegistry registry;

    ProtocolDetector(List<WireProtocol> protocols, RequestLimits limits, ConnectionRegistry registry) {
        this.protocols = protocols;
        this.limits = limits;
        this.registry = registry;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        if (!bytes.isReadable()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // Empty lines before the first request name no protocol, as Redis skips them: the first
        // other byte of the read names it, and the chosen decoder answers the empty lines its
        // way. A read of empty lines alone is the text protocol's, which answers each at once,
        // so a client that sends one and waits for its reply gets it.
        int firstOther = bytes.forEachByte(b -> b == '\r' || b == '\n');
        byte first = bytes.getByte(firstOther < 0 ? bytes.readerIndex() : firstOther);
        WireProtocol protocol = this.protocols.stream().filter(candidate -> candidate.claims(first)).findFirst()
                .orElse(this.protocols.get(this.protocols.size() - 1));
        ClientConnection connection = this.registry.open(ctx.channel(), protocol);
        ctx.pipeline().addAfter(ctx.name(), "connection", new ClientConnection.Inbound(connection,
                () -> this.registry.closed(connection)));
        ctx.pipeline().replace(this, "decoder", protocol.newDecoder(this.limits, connection::received));
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        // A client that closes or idles before saying anything has nothing to answer.
        if (event instanceof io.netty.channel.socket.ChannelInputShutdownEvent
                || event instanceof io.netty.handler.timeout.IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }
}
