package io.keystonelight.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.integration.ip.tcp.connection.AbstractServerConnectionFactory;

/**
 * A Spring Integration server connection factory on Netty event loops, as memcached's worker
 * threads: {@code workers} loops each own a share of the connections, and read, frame, parse and
 * execute their requests on their own thread, with no hand-off per request. Requests still enter
 * through the TCP inbound endpoint and replies leave through the outbound one, which finds the
 * connection by its id, as with Spring Integration's own factories.
 *
 * <p>Uses Linux's epoll where Netty's native transport loads, Java NIO elsewhere.
 */
public class EventLoopServerConnectionFactory extends AbstractServerConnectionFactory {

    private static final Logger log = LoggerFactory.getLogger(EventLoopServerConnectionFactory.class);

    /** Unsent reply bytes past which a connection stops reading until its client catches up. */
    private static final WriteBufferWaterMark REPLY_BUFFER = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    /** How long stopping waits for a loop to finish the task it is running. */
    private static final Duration LOOP_STOP_TIMEOUT = Duration.ofSeconds(5);

    private final int workers;

    /** CONFIG SET changes these: a connection takes the values of the moment it is accepted. */
    private volatile RequestLimits limits;

    private volatile Duration idleTimeout;

    private final List<WireProtocol> protocols;

    private final ConnectionRegistry registry;

    private volatile EventLoopGroup acceptLoop;

    private volatile EventLoopGroup eventLoops;

    private volatile Channel serverChannel;

    private volatile int boundPort = -1;

    /** The event loops' threads, as they start: their allocation counters are the request path's. */
    private final java.util.concurrent.CopyOnWriteArrayList<Thread> loopThreads =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public EventLoopServerConnectionFactory(String host, int port, int workers, int maxConnections,
            RequestLimits limits, Duration idleTimeout, List<WireProtocol> protocols) {
        super(port);
        setLocalAddress(host);
        this.workers = workers;
        this.limits = limits;
        this.idleTimeout = idleTimeout;
        this.protocols = protocols;
        this.registry = new ConnectionRegistry(maxConnections,
                channel -> protocol -> newConnection(channel, protocol));
    }

    private ClientConnection newConnection(Channel channel, WireProtocol protocol) {
        ClientConnection connection = new ClientConnection(channel, protocol, getApplicationEventPublisher());
        connection.registerListener(getListener());
        connection.registerSenders(getSenders());
        return connection;
    }

    /** Binds the port; called on a thread of the factory's executor when the factory starts. */
    @Override
    public void run() {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        this.acceptLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("accept"), io);
        this.eventLoops = new MultiThreadIoEventLoopGroup(this.workers, new DefaultThreadFactory("event-loop") {

            @Override
            protected Thread newThread(Runnable task, String name) {
                Thread thread = super.newThread(task, name);
                EventLoopServerConnectionFactory.this.loopThreads.add(thread);
                return thread;
            }
        }, io);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(this.acceptLoop, this.eventLoops)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, Math.max(1024, getBacklog()))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, REPLY_BUFFER)
                .childHandler(new ChannelInitializer<SocketChannel>() {

                    @Override
                    protected void initChannel(SocketChannel channel) {
                        accepted(channel);
                    }
                });
        try {
            String host = getLocalAddress();
            Channel bound = bootstrap.bind(host == null ? new InetSocketAddress(getPort())
                    : new InetSocketAddress(host, getPort())).syncUninterruptibly().channel();
            this.serverChannel = bound;
            this.boundPort = ((InetSocketAddress) bound.localAddress()).getPort();
            setListening(true);
            log.debug("Listening on {} with {} event loops ({})", bound.localAddress(), this.workers,
                    epoll ? "epoll" : "nio");
            publishServerListeningEvent(this.boundPort);
        }
        catch (Exception ex) {
            // Netty rethrows a failed bind's checked exception undeclared: catch it by its real type.
            shutDownLoops();
            if (!isActive()) {
                // Stopped while binding: the start failed elsewhere, and that failure is reported.
                return;
            }
            try {
                publishServerExceptionEvent(ex);
            }
            catch (RuntimeException publishFailed) {
                log.debug("Could not report the failed bind; the context is closing", publishFailed);
            }
        }
    }

    private void accepted(SocketChannel channel) {
        if (!this.registry.admit()) {
            // The first byte has not come yet: word the refusal as the text protocol, which any
            // client can show; Redis clients show it as an error too.
            byte[] refusal = this.protocols.get(this.protocols.size() - 1).tooManyConnections(
                    this.registry.maxConnections());
            channel.writeAndFlush(Unpooled.wrappedBuffer(refusal)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        channel.closeFuture().addListener(closed -> this.registry.released());
        idleTimeout(channel, this.idleTimeout);
        channel.pipeline().addLast("detector", new ProtocolDetector(this.protocols, this.limits,
                this.registry));
    }

    /** Closes the connection once it sent nothing for {@code timeout}, counted from now; zero: never. */
    private static void idleTimeout(Channel channel, Duration timeout) {
        if (channel.pipeline().get("idle") != null) {
            channel.pipeline().remove("idle");
        }
        if (!timeout.isZero()) {
            // First, so that it sees every read whichever protocol's handlers follow.
            channel.pipeline().addFirst("idle", new IdleStateHandler(timeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
    }

    /**
     * CONFIG SET timeout: every open connection's idle clock is replaced on its own event loop,
     * counting from now, as Redis applies a new timeout to the clients it has.
     */
    public void setIdleTimeout(Duration timeout) {
        this.idleTimeout = timeout;
        for (Channel channel : this.registry.channels()) {
            channel.eventLoop().execute(() -> {
                if (channel.isActive()) {
                    idleTimeout(channel, timeout);
                }
            });
        }
    }

    public Duration idleTimeout() {
        return this.idleTimeout;
    }

    /**
     * CONFIG SET maxclients: connections over a lowered limit stay, as in Redis; new ones are
     * refused until fewer are open.
     */
    public void setMaxConnections(int maxConnections) {
        this.registry.maxConnections(maxConnections);
    }

    public int maxConnections() {
        return this.registry.maxConnections();
    }

    /**
     * CONFIG SET proto-max-bulk-len: for connections accepted from now on; one already open keeps
     * the limit its decoder was made with.
     */
    public void setMaxBulkLength(int bytes) {
        this.limits = new RequestLimits(this.limits.maxLineLength(), bytes);
    }

    public int maxBulkLength() {
        return this.limits.maxBulkLength();
    }

    /** The port bound, once listening (useful with port 0). */
    @Override
    public int getPort() {
        int bound = this.boundPort;
        return bound > 0 ? bound : super.getPort();
    }

    @Override
    public SocketAddress getServerSocketAddress() {
        Channel channel = this.serverChannel;
        return channel == null ? null : channel.localAddress();
    }

    /** Stops accepting connections; open ones go on. */
    public void stopAccepting() {
        Channel channel = this.serverChannel;
        // Stopped before: the channel went with its event loop, which takes no more tasks.
        if (channel != null && channel.isOpen()) {
            channel.close().syncUninterruptibly();
        }
        setListening(false);
    }

    /**
     * Lets every open connection get the replies to what it sent, then closes it.
     * @return how many were still busy after {@code timeout} and were closed anyway
     */
    public int finishConnections(Duration timeout) throws InterruptedException {
        return this.registry.finishAndClose(timeout);
    }

    /** The session of every open connection, for CLIENT LIST and CLIENT KILL. */
    public java.util.List<io.keystonelight.command.Session> sessions() {
        return this.registry.sessions();
    }

    /** The event loop threads started so far (a loop starts its thread at its first task). */
    public List<Thread> eventLoopThreads() {
        return this.loopThreads;
    }

    public int openConnections() {
        return this.registry.count();
    }

    public long acceptedConnections() {
        return this.registry.totalAccepted();
    }

    public long refusedConnections() {
        return this.registry.refused();
    }

    /**
     * The inbound and the outbound adapter both start the factory they share, and so does the
     * context: bind (and log it) once.
     */
    @Override
    public void start() {
        if (!isActive()) {
            super.start();
        }
    }

    /** Called by the graceful shutdown, each adapter and the context: the first does the work. */
    @Override
    public void stop() {
        if (!isActive()) {
            return;
        }
        stopAccepting();
        shutDownLoops();
        super.stop();
    }

    /**
     * Stops the event loops, waiting a bounded time for each: a loop still busy with a request
     * must not keep the server from stopping (its threads do not hold the JVM up once shutdown
     * ends).
     */
    private void shutDownLoops() {
        EventLoopGroup loops = this.eventLoops;
        EventLoopGroup accept = this.acceptLoop;
        if (loops != null) {
            awaitStopped(loops.shutdownGracefully(0, 2, TimeUnit.SECONDS), "event loops");
        }
        if (accept != null) {
            awaitStopped(accept.shutdownGracefully(0, 2, TimeUnit.SECONDS), "accept loop");
        }
    }

    private static void awaitStopped(Future<?> termination, String what) {
        if (!termination.awaitUninterruptibly(LOOP_STOP_TIMEOUT.toMillis())) {
            log.warn("The {} did not stop within {} s: a request is still running on one; stopping without it",
                    what, LOOP_STOP_TIMEOUT.toSeconds());
        }
    }
}
