package io.keystonelight.transport;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLSession;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.command.Command;
import io.keystonelight.command.Replies;
import io.keystonelight.command.RequestBatch;
import io.keystonelight.command.Session;
import io.keystonelight.store.KeyTable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.serializer.Deserializer;
import org.springframework.core.serializer.Serializer;
import org.springframework.integration.ip.IpHeaders;
import org.springframework.integration.ip.tcp.connection.SocketInfo;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.support.GenericMessage;

/**
 * One client connection, on the event loop that owns it: the requests its decoder parsed go to
 * the inbound endpoint as one message per read, and the replies that come back through the
 * outbound endpoint leave in request order, each once its result is there.
 *
 * <p>Everything here runs on the connection's event loop; a reply completed elsewhere (by the
 * write pipeline, say) is handed back to it. A client that sends without reading is held back
 * by TCP: the connection stops reading once its unsent replies pass a bound, and reads on once
 * they drained.
 */
final class ClientConnection extends org.springframework.integration.ip.tcp.connection.TcpConnectionSupport {

    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private static final AtomicLong IDS = new AtomicLong();

    /** Requests read but not yet answered past which the connection stops reading. */
    private static final int MAX_PENDING_REPLIES = 16 * 1024;

    /**
     * Redis's {@code client-output-buffer-limit pubsub 32mb 8mb 60}: a subscriber whose unsent
     * messages pass the hard limit, or stay past the soft limit for the whole time, is closed.
     */
    private static final long PUSH_HARD_LIMIT = 32L << 20;

    private static final long PUSH_SOFT_LIMIT = 8L << 20;

    private static final long PUSH_SOFT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** The place in the reply order of a message pushed to a subscriber. */
    private static final Command PUSHED = new Command() {

        @Override
        public Object resp3(Object message) {
            return io.keystonelight.command.Resp3.push(message);
        }

        @Override
        public String toString() {
            return "(message pushed to a subscriber)";
        }
    };

    /** How long a connection that is being closed after a framing error may keep sending. */
    private static final long LINGER_MILLIS = 2000;

    private final Channel channel;

    private final String id;

    private final WireProtocol protocol;

    private final Session session;

    private final ReplyRing replies = new ReplyRing(this::writeFilled);

    /** What the executor hands this connection's replies to. */
    private final Replies replySink = new Sink();

    /** Where a GET's value goes from the store when it may leave at once; see {@link Replies#valueNow}. */
    private final ValueWriter valueWriter = new ValueWriter();

    /** Flushes once a reply that came later is there; one for the connection, not one per reply. */
    private final java.util.function.BiConsumer<Object, Throwable> onLaterReply = (result, failure) -> scheduleFlush();

    /** Replies written but not yet handed to the channel; {@code null} when none are. */
    private ByteBuf out;

    private final Runnable flushTask = this::flushReady;

    /** Flushes once for the replies a group of writes completed together on this loop. */
    private final Runnable flushOnceTask = () -> {
        this.flushScheduled = false;
        flushReady();
    };

    /** The requests of the read under way; the same list at every read. */
    private final List<Command> reading = new ArrayList<>();

    /**
     * The one message this connection ever sends through the endpoints: it carries the same
     * {@link ConnectionRead} at every read, so that a read costs no message, header map, id or
     * timestamp. Safe to reuse because the endpoints pass it on synchronously on this thread and
     * keep nothing of it once the read's replies are queued.
     */
    private final Message<ConnectionRead> readMessage;

    private boolean flushScheduled;

    private boolean inputClosed;

    /** No more requests are taken: the connection closes once what was received is answered. */
    private boolean finishing;

    private boolean closed;

    /** Bytes of messages handed to this connection's loop but not yet written. */
    private final AtomicLong pushesQueued = new AtomicLong();

    /** Since when the unsent messages are past the soft limit, 0 if they are not. */
    private long pastSoftLimitSince;

    ClientConnection(Channel channel, WireProtocol protocol, ApplicationEventPublisher events) {
        super(events);
        this.channel = channel;
        this.protocol = protocol;
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        String address = remote == null ? "unknown" : remote.getAddress().getHostAddress() + ":" + remote.getPort();
        this.id = address + ":" + IDS.incrementAndGet();
        this.session = new Session(channel.eventLoop(), address);
        this.readMessage = new GenericMessage<>(new ConnectionRead(new RequestBatch(this.session, this.reading), this.replySink),
                new ReadHeaders(this.id));
        this.session.subscriber().outlet(this::push);
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        String localAddress = local == null ? "" : local.getAddress().getHostAddress() + ":" + local.getPort();
        this.session.link(new Session.Link() {

            @Override
            public String localAddress() {
                return localAddress;
            }

            @Override
            public int pendingReplies() {
                return ClientConnection.this.replies.size();
            }

            @Override
            public long unsentBytes() {
                return ClientConnection.this.unsentBytes();
            }

            @Override
            public void close() {
                ClientConnection.this.close();
            }

            @Override
            public void closeAfterReplies() {
                finishAndClose();
            }
        });
    }

    Channel channel() {
        return this.channel;
    }

    Session session() {
        return this.session;
    }

    WireProtocol protocol() {
        return this.protocol;
    }

    /** A request the decoder parsed: collected until the read ends. */
    void received(Command command) {
        if (this.finishing) {
            return;
        }
        this.reading.add(command);
        if (command instanceof Command.Quit) {
            // As Redis: what a client pipelined after QUIT is never run, even if it came in the same read.
            this.finishing = true;
            this.channel.config().setAutoRead(false);
        }
        else if (command instanceof Command.Invalid invalid && invalid.closesConnection()) {
            // The framing is lost: nothing after this request can be understood.
            this.finishing = true;
        }
    }

    /** The read ended: what it brought goes through the inbound endpoint as one message. */
    void readComplete() {
        if (this.reading.isEmpty()) {
            return;
        }
        try {
            getListener().onMessage(this.readMessage);
        }
        finally {
            this.reading.clear();
        }
        if (this.replies.size() > MAX_PENDING_REPLIES) {
            this.channel.config().setAutoRead(false);
        }
    }

    /** The replies to a batch, from the outbound endpoint, on this connection's event loop. */
    @Override
    public void send(Message<?> message) {
        // The executor already handed the replies over, to this connection's ring: they leave now.
        flushReady();
    }

    /** The replies of this connection, in request order, as the executor hands them over. */
    private final class Sink implements Replies {

        @Override
        public void ready(Command command, Object result) {
            if (!writeNow(command, result, null)) {
                ClientConnection.this.replies.add(command).result = result;
            }
        }

        @Override
        public void failed(Command command, Throwable failure) {
            if (!writeNow(command, null, failure)) {
                ClientConnection.this.replies.add(command).failure = failure;
            }
        }

        /**
         * Words a reply at once when no earlier one waits, as flushing would, so that it takes no
         * slot; not one that ends the connection, which flushing handles.
         */
        private boolean writeNow(Command command, Object result, Throwable failure) {
            if (!ClientConnection.this.replies.isEmpty() || ClientConnection.this.closed
                    || command instanceof Command.Quit || command instanceof Command.Invalid) {
                return false;
            }
            if (ClientConnection.this.session.sends(command)) {
                try {
                    ClientConnection.this.protocol.encode(ClientConnection.this.session, command, result, failure,
                            output());
                }
                catch (RuntimeException ex) {
                    log.error("Could not word the reply to {}", command, ex);
                    close();
                }
            }
            return true;
        }

        @Override
        public void later(Command command, java.util.concurrent.CompletableFuture<Object> result) {
            ClientConnection.this.replies.add(command).future = result;
            result.whenComplete(ClientConnection.this.onLaterReply);
        }

        @Override
        public io.keystonelight.store.WriteCompletion awaitWrite(Command command) {
            if (ClientConnection.this.closed) {
                return null;
            }
            return ClientConnection.this.replies.awaitWrite(command);
        }

        @Override
        public KeyTable.ValueReader valueNow(Command command) {
            if (!ClientConnection.this.replies.isEmpty() || ClientConnection.this.closed) {
                return null;
            }
            ClientConnection.this.valueWriter.command = command;
            return ClientConnection.this.valueWriter;
        }
    }

    /**
     * Writes a value from the store into the connection's output, worded by its protocol: the one
     * copy a GET's value gets. Only while no earlier reply waits, so the order stays.
     */
    private final class ValueWriter implements KeyTable.ValueReader {

        private Command command;

        @Override
        public void value(byte[] buf, int off, int len) {
            Command replyTo = this.command;
            this.command = null;
            if (ClientConnection.this.session.sends(replyTo)) {
                ClientConnection.this.protocol.encodeValue(ClientConnection.this.session, replyTo, buf, off, len,
                        output());
            }
        }
    }

    /**
     * A write's outcome for its reply's slot: filled on the loop, its session told the write
     * ended, and the reply leaves with the others its group answered, in one flush of the
     * connection. Off the loop (the loop stopped taking the pipeline's answers, or cluster mode
     * answered) it is handed to the loop, or dropped once the loop is gone with its connections.
     */
    private void writeFilled(ReplyRing.Slot slot, Object value, Throwable refused) {
        if (!this.channel.eventLoop().inEventLoop()) {
            try {
                this.channel.eventLoop().execute(() -> writeFilled(slot, value, refused));
            }
            catch (java.util.concurrent.RejectedExecutionException ex) {
                log.debug("Connection {}: a write was answered after its event loop stopped", this.id);
            }
            return;
        }
        if (!slot.fill(value, refused)) {
            return;
        }
        this.session.writeEnded(slot.failure != null);
        scheduleFlush();
    }

    private ByteBuf output() {
        if (this.out == null) {
            this.out = this.channel.alloc().ioBuffer();
        }
        return this.out;
    }

    /**
     * A message published to a channel this connection subscribed to, from the publisher's thread:
     * written on this connection's loop, in order with its replies. The bytes not yet sent are
     * bounded, so a subscriber that does not read costs at most the limit before it is closed.
     */
    private void push(Object message) {
        long size = approximateSize(message);
        if (this.pushesQueued.addAndGet(size) + unsentBytes() > PUSH_HARD_LIMIT) {
            this.pushesQueued.addAndGet(-size);
            closeOverLimit();
            return;
        }
        this.channel.eventLoop().execute(() -> {
            this.pushesQueued.addAndGet(-size);
            if (this.closed) {
                return;
            }
            this.replies.add(PUSHED).result = message;
            flushReady();
            checkPushLimit();
        });
    }

    private static long approximateSize(Object message) {
        long size = 16;
        if (message instanceof List<?> parts) {
            for (Object part : parts) {
                size += 16 + (part instanceof byte[] bytes ? bytes.length : 0);
            }
        }
        return size;
    }

    private long unsentBytes() {
        io.netty.channel.ChannelOutboundBuffer outbound = this.channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    private void checkPushLimit() {
        long unsent = unsentBytes() + this.pushesQueued.get();
        if (unsent > PUSH_HARD_LIMIT) {
            closeOverLimit();
        }
        else if (unsent > PUSH_SOFT_LIMIT) {
            long now = System.nanoTime();
            if (this.pastSoftLimitSince == 0) {
                this.pastSoftLimitSince = now;
            }
            else if (now - this.pastSoftLimitSince > PUSH_SOFT_NANOS) {
                closeOverLimit();
            }
        }
        else {
            this.pastSoftLimitSince = 0;
        }
    }

    private void closeOverLimit() {
        if (this.channel.isOpen()) {
            log.warn("Closing subscriber {}: its unsent messages passed the output limit (pub/sub: {} MB, or {} MB "
                    + "for {} s) because it does not read them", this.id, PUSH_HARD_LIMIT >> 20,
                    PUSH_SOFT_LIMIT >> 20, TimeUnit.NANOSECONDS.toSeconds(PUSH_SOFT_NANOS));
            this.channel.close();
        }
    }

    private void scheduleFlush() {
        if (this.channel.eventLoop().inEventLoop()) {
            // The store completes a group's writes of this loop one after the other: their replies
            // leave together, in one write to the socket, once all are there. The flush goes at the
            // end of the loop's turn, not into its task queue: a group committed at the end of the
            // turn would otherwise leave a task queued, and the loop would poll again without
            // sleeping and handle the next reads before these replies left.
            if (!this.flushScheduled) {
                this.flushScheduled = true;
                if (this.channel.eventLoop() instanceof io.netty.channel.SingleThreadEventLoop loop) {
                    loop.executeAfterEventLoopIteration(this.flushOnceTask);
                }
                else {
                    this.channel.eventLoop().execute(this.flushOnceTask);
                }
            }
            return;
        }
        this.channel.eventLoop().execute(this.flushTask);
    }

    /** Writes every reply at the head of the queue whose result is there, in one buffer, then flushes once. */
    private void flushReady() {
        ReplyRing.Slot head;
        Command closing = null;
        while ((head = this.replies.first()) != null && head.isDone()) {
            if (this.closed) {
                this.replies.removeFirst();
                continue;
            }
            head.settle();
            Command command = head.command;
            Object result = head.result;
            Throwable failure = head.failure;
            this.replies.removeFirst();
            if (command == PUSHED || this.session.sends(command)) {
                try {
                    this.protocol.encode(this.session, command, result, failure, output());
                }
                catch (RuntimeException ex) {
                    this.out.release();
                    this.out = null;
                    log.error("Could not word the reply to {}", command, ex);
                    close();
                    return;
                }
            }
            if (command instanceof Command.Quit
                    || (command instanceof Command.Invalid invalid && invalid.closesConnection())) {
                closing = command;
                break;
            }
        }
        if (this.out != null) {
            ByteBuf written = this.out;
            this.out = null;
            if (this.closed) {
                written.release();
            }
            else {
                this.channel.writeAndFlush(written, this.channel.voidPromise());
            }
        }
        if (closing instanceof Command.Quit) {
            this.finishing = true;
            this.replies.clear();
            closeAfterFlush();
            return;
        }
        if (closing != null) {
            this.replies.clear();
            shutDownOutputThenClose();
            return;
        }
        if (this.replies.isEmpty() && (this.inputClosed || this.finishing)) {
            closeAfterFlush();
            return;
        }
        resumeReadingIfDrained();
    }

    /**
     * Reads on once the client caught up with its replies. Never after its sending side closed:
     * reading a closed input again would close the connection before the replies left.
     */
    private void resumeReadingIfDrained() {
        if (!this.finishing && !this.inputClosed && this.replies.size() < MAX_PENDING_REPLIES / 2
                && this.channel.isWritable() && !this.channel.config().isAutoRead()) {
            this.channel.config().setAutoRead(true);
        }
    }

    /** The client closed its sending side: answer what it sent, then close. */
    void inputShutDown() {
        this.inputClosed = true;
        this.channel.config().setAutoRead(false);
        this.session.closeWhenBlocked(this::closeAfterFlush);
        if (this.replies.isEmpty() && this.reading.isEmpty()) {
            closeAfterFlush();
        }
    }

    void writabilityChanged() {
        if (this.channel.isWritable()) {
            resumeReadingIfDrained();
        }
        else {
            this.channel.config().setAutoRead(false);
        }
    }

    /**
     * Takes no more requests and closes once every request already received is answered: the
     * server is shutting down. Called on any thread.
     */
    void finishAndClose() {
        this.channel.eventLoop().execute(() -> {
            this.finishing = true;
            this.channel.config().setAutoRead(false);
            // A blocked pop could hold the shutdown for as long as its timeout: Redis just closes it.
            this.session.closeWhenBlocked(this::closeAfterFlush);
            if (this.replies.isEmpty()) {
                closeAfterFlush();
            }
        });
    }

    private void closeAfterFlush() {
        this.channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * After a request that could not be framed: end the sending side so the client reads its
     * error, and close once it closed too, or after a short linger; what it still sends is read
     * and dropped, so that closing does not reset the connection before the client read the reply.
     */
    private void shutDownOutputThenClose() {
        this.finishing = true;
        this.channel.config().setAutoRead(true);
        if (this.channel instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
        this.channel.eventLoop().schedule(() -> {
            this.channel.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether the client's silence is the server's doing, so the idle timeout must spare it: as
     * Redis spares blocked clients and subscribers, and a request still under way (closing then
     * could drop the reply to a write that was made, or an element a pop took).
     */
    boolean waitsForTheServer() {
        return !this.replies.isEmpty() || this.session.isBlocked() || this.session.subscriber().count() > 0;
    }

    void channelClosed() {
        this.closed = true;
        if (this.out != null) {
            this.out.release();
            this.out = null;
        }
        this.session.close();
        super.close();
    }

    @Override
    public void close() {
        this.channel.close();
    }

    @Override
    public boolean isOpen() {
        return this.channel.isOpen();
    }

    @Override
    public boolean isServer() {
        return true;
    }

    @Override
    public String getConnectionId() {
        return this.id;
    }

    @Override
    public Object getPayload() {
        throw new UnsupportedOperationException("requests arrive from the event loop, not by reading a stream");
    }

    @Override
    public int getPort() {
        InetSocketAddress remote = (InetSocketAddress) this.channel.remoteAddress();
        return remote == null ? -1 : remote.getPort();
    }

    @Override
    public Object getDeserializerStateKey() {
        return null;
    }

    @Override
    public SSLSession getSslSession() {
        return null;
    }

    @Override
    public SocketInfo getSocketInfo() {
        return null;
    }

    @Override
    public void run() {
        // Nothing: the event loop reads this connection.
    }

    @Override
    public Deserializer<?> getDeserializer() {
        return null;
    }

    @Override
    public Serializer<?> getSerializer() {
        return null;
    }

    /**
     * The read message's headers: the connection id the outbound endpoint finds the connection
     * by, and no message id or timestamp, which nothing reads and which every idle connection
     * would hold.
     */
    private static final class ReadHeaders extends MessageHeaders {

        ReadHeaders(String connectionId) {
            super(Map.of(IpHeaders.CONNECTION_ID, connectionId), ID_VALUE_NONE, -1L);
        }
    }

    /** The Netty side of a connection: feeds it what the decoder parsed and the channel's events. */
    static final class Inbound extends ChannelInboundHandlerAdapter {

        private final ClientConnection connection;

        private final Runnable onClose;

        Inbound(ClientConnection connection, Runnable onClose) {
            this.connection = connection;
            this.onClose = onClose;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Command command) {
                this.connection.received(command);
            }
            else {
                // Bytes read after the framing was lost, while the connection closes.
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            this.connection.readComplete();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                this.connection.readComplete();
                this.connection.inputShutDown();
            }
            else if (event instanceof IdleStateEvent) {
                if (this.connection.waitsForTheServer()) {
                    return;
                }
                log.debug("Closing connection {}: idle for longer than keystonelight.server.idle-timeout",
                        this.connection.getConnectionId());
                ctx.close();
            }
            else {
                ctx.fireUserEventTriggered(event);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            this.connection.writabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            this.connection.channelClosed();
            this.onClose.run();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof java.io.IOException) {
                // The client went away or the network failed: nothing the server did.
                log.debug("Connection {} failed: {}", this.connection.getConnectionId(), cause.toString());
            }
            else {
                log.warn("Closing connection {}: handling what it sent failed", this.connection.getConnectionId(),
                        cause);
            }
            ctx.close();
        }
    }
}
