package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;

import io.keystonelight.command.Command;
import io.keystonelight.command.GetInPlace;
import io.keystonelight.store.Keys;

/**
 * Frames a RESP2 connection's bytes into requests, as Redis's {@code processMultibulkBuffer} and
 * {@code processInlineBuffer} do, and hands each request's arguments to {@link RespCommandParser}.
 * The only place that knows RESP's request syntax.
 *
 * <p>A request is an array of bulk strings ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}); a line that
 * does not start with {@code *} is an inline request, split at spaces. Parsing is incremental: a
 * bulk that arrives in many reads is not scanned again on each. Malformed input becomes a
 * {@link Command.Invalid} worded as Redis words it ({@code Protocol error: ...}) that closes the
 * connection; what follows it is dropped.
 */
final class RespRequestDecoder extends ByteToMessageDecoder {

    /** Redis's PROTO_INLINE_MAX_SIZE: the longest inline request, and the longest length line. */
    static final int MAX_LINE = 64 * 1024;

    /**
     * Past this length a bulk is taken out of the read buffer as it arrives, rather than left in
     * it until complete, so that the read buffer does not grow (and copy itself) to its size.
     */
    static final int BIG_BULK = 64 * 1024;

    /** Arguments one request may have (Redis allows up to INT_MAX; this bounds what a request holds). */
    static final int MAX_ARGUMENTS = 1024 * 1024;

    /** {@code *2\r\n} and {@code $3\r\n} as big-endian ints, as {@link ByteBuf#getInt} reads them. */
    private static final int PLAIN_GET_HEAD = '*' << 24 | '2' << 16 | '\r' << 8 | '\n';

    private static final int PLAIN_GET_NAME_HEAD = '$' << 24 | '3' << 16 | '\r' << 8 | '\n';

    /**
     * Where plain GETs are taken from, read after read, or {@code null}: then every request is a
     * command of its own, which outlives the read (as a decoder used on its own hands them out).
     */
    private GetInPlace.Pool gets;

    private final int maxBulkBytes;

    /**
     * The most bytes of arguments one request may hold, as Redis's client-query-buffer-limit
     * bounds what a client can make it hold: an MSET of many values fits, a flood does not.
     */
    private final long maxRequestBytes;

    /** Bytes of arguments in the request being read. */
    private long requestBytes;

    /** Arguments still to come in the request being read, or 0 between requests. */
    private int argumentsLeft;

    /** The length of the bulk being read, or -1 while its {@code $} line has not been read. */
    private int bulkLength = -1;

    private List<byte[]> arguments;

    /** What arrived so far of the big bulk being read, or {@code null}. */
    private byte[] bigBulk;

    private int bigBulkFilled;

    private boolean discarding;

    /** Where requests go instead of Netty's output list, or {@code null}: see {@link #forConnection(int, Consumer)}. */
    private List<Object> direct;

    /**
     * The decoder of a server connection, which runs a read's requests as the read completes: its
     * plain GETs are {@link GetInPlace}s, reused read after read.
     */
    static RespRequestDecoder forConnection(int maxBulkBytes) {
        return forConnection(maxBulkBytes, null);
    }

    /**
     * @param requests where each request goes as soon as it is framed, in order; {@code null}:
     *            down the channel pipeline, one hop per request
     */
    static RespRequestDecoder forConnection(int maxBulkBytes, Consumer<Command> requests) {
        RespRequestDecoder decoder = new RespRequestDecoder(maxBulkBytes);
        decoder.gets = new GetInPlace.Pool();
        decoder.direct = requests == null ? null : new Handoff(requests);
        return decoder;
    }

    /**
     * The decoder's output list when requests go straight to their connection: every request the
     * framing methods add goes on at once, so they need not know where requests go.
     */
    private static final class Handoff extends AbstractList<Object> {

        private final Consumer<Command> requests;

        Handoff(Consumer<Command> requests) {
            this.requests = requests;
        }

        @Override
        public boolean add(Object request) {
            this.requests.accept((Command) request);
            return true;
        }

        @Override
        public Object get(int index) {
            throw new IndexOutOfBoundsException("requests handed off are not kept: no element " + index);
        }

        @Override
        public int size() {
            return 0;
        }
    }

    RespRequestDecoder(int maxBulkBytes) {
        this.maxBulkBytes = maxBulkBytes;
        // Twice the longest bulk: 1 GB by default, Redis's client-query-buffer-limit.
        this.maxRequestBytes = Math.max(64L * 1024 * 1024, 2L * maxBulkBytes);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> pipeline) {
        List<Object> out = this.direct == null ? pipeline : this.direct;
        if (this.discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            if (this.argumentsLeft == 0) {
                if (in.getByte(in.readerIndex()) != '*') {
                    if (!inline(in, out)) {
                        return;
                    }
                    continue;
                }
                GetInPlace get = this.gets == null ? null : plainGet(in);
                if (get != null) {
                    out.add(get);
                    continue;
                }
                Command set = plainSet(in);
                if (set != null) {
                    out.add(set);
                    continue;
                }
                if (!arrayHeader(in, out)) {
                    return;
                }
                continue;
            }
            if (this.bulkLength < 0 && !bulkHeader(in, out)) {
                return;
            }
            if (this.discarding) {
                return;
            }
            byte[] argument;
            if (this.bulkLength > BIG_BULK) {
                argument = readBigBulk(in);
                if (argument == null) {
                    return;
                }
            }
            else {
                if (in.readableBytes() < this.bulkLength + 2) {
                    return;
                }
                argument = new byte[this.bulkLength];
                in.readBytes(argument);
            }
            // As Redis: the two bytes after a bulk are taken as its CRLF without looking at them.
            in.skipBytes(2);
            this.arguments.add(argument);
            this.bulkLength = -1;
            if (--this.argumentsLeft == 0) {
                List<byte[]> request = this.arguments;
                this.arguments = null;
                out.add(RespCommandParser.parse(request));
            }
        }
    }

    /**
     * A whole {@code *2\r\n$3\r\nGET\r\n$<n>\r\n<key>\r\n} at the reader index, the most common
     * request by far, taken with its key copied into an array the connection reuses: no argument
     * list, no name or key array. Anything else, or a GET not all there yet, or one whose key is
     * refused, gives {@code null} and is read the general way, which words every error.
     */
    private GetInPlace plainGet(ByteBuf in) {
        int at = in.readerIndex();
        int end = in.writerIndex();
        if (end - at < 19 || !startsAs(in, at, PLAIN_GET_HEAD, 'g' << 16 | 'e' << 8 | 't')) {
            return null;
        }
        int length = bulkLength(in, at + 14, end, Keys.MAX_KEY_BYTES);
        if (length <= 0) {
            return null;
        }
        int keyStart = this.plainBulkStart;
        GetInPlace get = this.gets.take(length);
        in.getBytes(keyStart, get.keyBytes(), 0, length);
        // As Redis: the two bytes after a bulk are taken as its CRLF without looking at them.
        in.readerIndex(keyStart + length + 2);
        return get;
    }

    /** {@code *3\r\n}: the head of a plain SET's array. */
    private static final int PLAIN_SET_HEAD = '*' << 24 | '3' << 16 | '\r' << 8 | '\n';

    /**
     * A whole {@code *3\r\n$3\r\nSET\r\n$<n>\r\n<key>\r\n$<m>\r\n<value>\r\n} at the reader
     * index, taken with its key and value copied once, straight into the arrays its write keeps: no
     * argument list and no name array, which a SET read the general way makes and drops at once.
     * Anything else, a SET not all there yet, a key the general way refuses, or a value long enough
     * to be read as a big bulk, gives {@code null} and is read the general way, which words every
     * error and bounds every length alike.
     */
    private Command plainSet(ByteBuf in) {
        int at = in.readerIndex();
        int end = in.writerIndex();
        if (end - at < 24 || !startsAs(in, at, PLAIN_SET_HEAD, 's' << 16 | 'e' << 8 | 't')) {
            return null;
        }
        int keyLength = bulkLength(in, at + 14, end, Keys.MAX_KEY_BYTES);
        if (keyLength <= 0) {
            return null;
        }
        int keyStart = this.plainBulkStart;
        // As Redis: the two bytes after a bulk are taken as its CRLF without looking at them.
        int valueHead = keyStart + keyLength + 2;
        if (end - valueHead < 4 || in.getByte(valueHead) != '$') {
            return null;
        }
        int valueLength = bulkLength(in, valueHead + 1, end, Math.min(BIG_BULK, this.maxBulkBytes));
        if (valueLength < 0) {
            return null;
        }
        int valueStart = this.plainBulkStart;
        byte[] key = new byte[keyLength];
        in.getBytes(keyStart, key);
        byte[] value = new byte[valueLength];
        in.getBytes(valueStart, value);
        in.readerIndex(valueStart + valueLength + 2);
        return new Command.Set(key, value);
    }

    /**
     * Whether the request at {@code at} is an array headed {@code arrayHead} whose first bulk is
     * the three-letter name {@code name} (lower case; matched in any case) and a second bulk follows.
     */
    private static boolean startsAs(ByteBuf in, int at, int arrayHead, int name) {
        return in.getInt(at) == arrayHead && in.getInt(at + 4) == PLAIN_GET_NAME_HEAD
                && (in.getMedium(at + 8) | 0x202020) == name && in.getMedium(at + 11) == ('\r' << 16 | '\n' << 8 | '$');
    }

    /** Where the bulk {@link #bulkLength} read starts; a field so that reading it makes no object. */
    private int plainBulkStart;

    /**
     * The length of the bulk whose decimal length starts at {@code p} (after its {@code $}), when it
     * is at most {@code most} and it, with the two bytes after it, is all before {@code end};
     * {@code -1} otherwise. Sets {@link #plainBulkStart}.
     */
    private int bulkLength(ByteBuf in, int p, int end, int most) {
        int start = p;
        int length = 0;
        for (byte b; p < end && (b = in.getByte(p)) != '\r'; p++) {
            if (b < '0' || b > '9' || length > most) {
                return -1;
            }
            length = length * 10 + (b - '0');
        }
        if (p == start || length > most || end - p < length + 4 || in.getByte(p + 1) != '\n') {
            return -1;
        }
        this.plainBulkStart = p + 2;
        return length;
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
            if (this.gets != null) {
                this.gets.reuse();
            }
        }
    }

    /**
     * Takes what has arrived of a bulk longer than {@link #BIG_BULK} out of the read buffer, into
     * an array that grows with what arrived: memory follows the bytes received, not the length
     * the client announced, and each byte is copied a bounded number of times.
     * @return the whole bulk, once it and its CRLF are there; {@code null} until then
     */
    private byte[] readBigBulk(ByteBuf in) {
        if (this.bigBulk == null) {
            this.bigBulk = new byte[BIG_BULK];
            this.bigBulkFilled = 0;
        }
        int wanted = Math.min(in.readableBytes(), this.bulkLength - this.bigBulkFilled);
        if (this.bigBulkFilled + wanted > this.bigBulk.length) {
            int grown = (int) Math.min(this.bulkLength, Math.max(2L * this.bigBulk.length, this.bigBulkFilled + wanted));
            this.bigBulk = Arrays.copyOf(this.bigBulk, grown);
        }
        in.readBytes(this.bigBulk, this.bigBulkFilled, wanted);
        this.bigBulkFilled += wanted;
        if (this.bigBulkFilled < this.bulkLength || in.readableBytes() < 2) {
            return null;
        }
        byte[] bulk = this.bigBulk.length == this.bulkLength ? this.bigBulk : Arrays.copyOf(this.bigBulk, this.bulkLength);
        this.bigBulk = null;
        return bulk;
    }

    /** Bytes held for the request being read: what arrived of a big bulk, for tests of the memory it takes. */
    int bigBulkCapacity() {
        return this.bigBulk == null ? 0 : this.bigBulk.length;
    }

    /** Reads {@code *<count>\r\n}; false when more bytes are needed or the request was refused. */
    private boolean arrayHeader(ByteBuf in, List<Object> out) {
        int cr = findCr(in);
        if (cr < 0) {
            if (in.readableBytes() > MAX_LINE) {
                protocolError(in, out, "too big mbulk count string");
            }
            return false;
        }
        if (cr + 1 >= in.writerIndex()) {
            return false; // the LF is still to come
        }
        long count = parseLong(in, in.readerIndex() + 1, cr);
        if (count == Long.MIN_VALUE || count > Integer.MAX_VALUE) {
            protocolError(in, out, "invalid multibulk length");
            return false;
        }
        if (count > MAX_ARGUMENTS) {
            protocolError(in, out, "invalid multibulk length (this server takes at most " + MAX_ARGUMENTS
                    + " arguments per request)");
            return false;
        }
        in.readerIndex(cr + 2);
        if (count <= 0) {
            return true; // an empty request: nothing to answer, as Redis
        }
        this.argumentsLeft = (int) count;
        this.requestBytes = 0;
        this.arguments = new ArrayList<>((int) Math.min(count, 16));
        return true;
    }

    /** Reads {@code $<length>\r\n}; false when more bytes are needed or the request was refused. */
    private boolean bulkHeader(ByteBuf in, List<Object> out) {
        int cr = findCr(in);
        if (cr < 0) {
            if (in.readableBytes() > MAX_LINE) {
                protocolError(in, out, "too big bulk count string");
            }
            return false;
        }
        if (cr + 1 >= in.writerIndex()) {
            return false;
        }
        byte first = in.getByte(in.readerIndex());
        if (first != '$') {
            protocolError(in, out, "expected '$', got '" + shown(first) + "'");
            return false;
        }
        long length = parseLong(in, in.readerIndex() + 1, cr);
        if (length == Long.MIN_VALUE || length < 0 || length > this.maxBulkBytes) {
            protocolError(in, out, "invalid bulk length");
            return false;
        }
        this.requestBytes += length;
        if (this.requestBytes > this.maxRequestBytes) {
            protocolError(in, out, "request too large: the arguments of one request may hold at most "
                    + this.maxRequestBytes + " bytes");
            return false;
        }
        in.readerIndex(cr + 2);
        this.bulkLength = (int) length;
        return true;
    }

    /** An inline request: one line, arguments split at spaces, quotes as redis-cli writes them. */
    private boolean inline(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int newline = in.forEachByte(start, Math.min(in.readableBytes(), MAX_LINE + 1), ByteProcessor.FIND_LF);
        if (newline < 0) {
            if (in.readableBytes() > MAX_LINE) {
                protocolError(in, out, "too big inline request");
            }
            return false;
        }
        int end = newline > start && in.getByte(newline - 1) == '\r' ? newline - 1 : newline;
        byte[] line = new byte[end - start];
        in.getBytes(start, line);
        in.readerIndex(newline + 1);
        List<byte[]> arguments = InlineSplitter.split(line);
        if (arguments == null) {
            protocolError(in, out, "unbalanced quotes in request");
            return false;
        }
        if (!arguments.isEmpty()) {
            out.add(RespCommandParser.parse(arguments));
        }
        return true;
    }

    private static int findCr(ByteBuf in) {
        return in.forEachByte(in.readerIndex(), Math.min(in.readableBytes(), MAX_LINE + 1), ByteProcessor.FIND_CR);
    }

    /**
     * A decimal number as Redis's {@code string2ll} takes it: an optional minus sign, no leading
     * zeros, nothing else; {@link Long#MIN_VALUE} if it is not one.
     */
    private static long parseLong(ByteBuf in, int from, int to) {
        int length = to - from;
        if (length <= 0 || length > 20) {
            return Long.MIN_VALUE;
        }
        int i = from;
        boolean negative = false;
        if (in.getByte(i) == '-') {
            negative = true;
            i++;
            if (i == to) {
                return Long.MIN_VALUE;
            }
        }
        if (in.getByte(i) == '0' && to - i > 1) {
            return Long.MIN_VALUE;
        }
        long value = 0;
        for (; i < to; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                return Long.MIN_VALUE;
            }
            value = value * 10 + (b - '0');
            if (value < 0) {
                return Long.MIN_VALUE;
            }
        }
        return negative ? -value : value;
    }

    private static String shown(byte b) {
        // Redis puts the byte itself in the reply; a CR or LF there would end the error line.
        return b == '\r' || b == '\n' ? " " : new String(new byte[] { b }, StandardCharsets.ISO_8859_1);
    }

    private void protocolError(ByteBuf in, List<Object> out, String what) {
        this.discarding = true;
        this.arguments = null;
        this.bigBulk = null;
        in.skipBytes(in.readableBytes());
        out.add(new Command.Invalid("Protocol error: " + what, true));
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // A request cut short by the client closing its side is not executed.
        in.skipBytes(in.readableBytes());
    }
}
