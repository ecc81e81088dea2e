package io.keystonelight.protocol.text;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;

import io.keystonelight.command.Command;
import io.keystonelight.command.GetInPlace;

/**
 * Cuts a text-protocol connection's bytes into request lines ({@code \n}, with a {@code \r}
 * before it dropped) and parses each. A line longer than the limit becomes an error that closes
 * the connection, and everything after it is dropped. A last line that never got its {@code \n}
 * before the client closed its side is not executed: it may be a request cut short.
 */
final class TextRequestDecoder extends ByteToMessageDecoder {

    private final int maxLineLength;

    private boolean discarding;

    private final GetInPlace.Pool gets = new GetInPlace.Pool();

    TextRequestDecoder(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    /**
     * The read's requests ran when the read completes downstream (the connection runs them there,
     * on this thread): its GETs may be reused from then on.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelReadComplete(ctx);
        }
        finally {
            this.gets.reuse();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (this.discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            int start = in.readerIndex();
            int newline = in.forEachByte(start, Math.min(in.readableBytes(), this.maxLineLength + 2),
                    ByteProcessor.FIND_LF);
            if (newline < 0) {
                if (in.readableBytes() > this.maxLineLength + 1) {
                    tooLong(in, out);
                }
                return;
            }
            int end = newline > start && in.getByte(newline - 1) == '\r' ? newline - 1 : newline;
            int length = end - start;
            if (length > this.maxLineLength) {
                tooLong(in, out);
                return;
            }
            Command plain = TextCommandParser.parsePlain(in, start, length, this.gets);
            if (plain != null) {
                in.readerIndex(newline + 1);
                out.add(plain);
                continue;
            }
            byte[] line = new byte[length];
            in.getBytes(start, line);
            in.readerIndex(newline + 1);
            out.add(TextCommandParser.parse(line, 0, length));
        }
    }

    private void tooLong(ByteBuf in, List<Object> out) {
        this.discarding = true;
        in.skipBytes(in.readableBytes());
        out.add(new Command.Invalid("line too long: a request line may be at most " + this.maxLineLength
                + " bytes (keystonelight.server.max-line-length); closing the connection", true));
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // Whole lines were decoded as they came; what is left has no line end and is dropped.
        in.skipBytes(in.readableBytes());
    }
}
