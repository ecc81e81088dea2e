/*
 * KeystoneLight's benchmark client: a closed-loop load generator that speaks KeystoneLight's text
 * protocol, and with the same request lines Redis's inline commands, over plain sockets.
 *
 * A single-file program with no dependencies:  java bench/LoadGenerator.java <command> [options]
 *
 *   run      a workload (W1-W4) against one or both servers, alternating between them run by run,
 *            after a warm-up that is not reported; prints one RUN line per run and a MEDIAN line
 *            per server
 *   fill     sets keys k000000000 .. k(N-1) once each (to preload, or to overwrite every key)
 *   compact  has each server compact its data file (KeystoneLight: `compact`; Redis: BGREWRITEAOF,
 *            then INFO persistence until no rewrite runs) while a writer connection, setting one
 *            key at a time, measures its longest stall; with --compactions N, N times per server,
 *            the servers taking turns, every key set again before each compaction after the
 *            first, so that each compacts 1M live and 1M dead records again
 *   send     sends one request line and prints the reply
 *   files    writes a KeystoneLight data file and an equivalent Redis AOF (all keys set once,
 *            or more often with --versions), to measure recovery and compaction
 *
 * Targets are given as --kl-port P and/or --redis-port P; the host is always 127.0.0.1.
 */

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

public final class LoadGenerator {

    /** The only address this client ever connects to. */
    static final String LOOPBACK = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            return;
        }
        Options options = new Options(Arrays.copyOfRange(args, 1, args.length));
        List<Target> targets = new ArrayList<>();
        if (options.has("kl-port")) {
            targets.add(new Target("keystonelight", options.integer("kl-port", 0), Protocol.KEYSTONELIGHT));
        }
        if (options.has("redis-port")) {
            targets.add(new Target("redis", options.integer("redis-port", 0), Protocol.REDIS));
        }
        if (options.has("etcd-port")) {
            targets.add(new Target("etcd", options.integer("etcd-port", 0), Protocol.ETCD));
        }
        if (args[0].equals("files")) {
            writeDataFiles(options);
            return;
        }
        if (targets.isEmpty()) {
            fail("give --kl-port, --redis-port and/or --etcd-port");
        }
        switch (args[0]) {
            case "run" -> runWorkload(options, targets);
            case "fill" -> {
                for (Target target : targets) {
                    fill(options, target, 'v');
                }
            }
            case "compact" -> compactWithWriter(options, targets);
            case "hold" -> {
                for (Target target : targets) {
                    hold(target, options.integer("connections", 10_000), options.decimal("seconds", 5));
                }
            }
            case "send" -> {
                for (Target target : targets) {
                    System.out.print(send(target, options.text("command", "ping")));
                }
            }
            default -> fail("unknown command " + args[0] + "; see --help");
        }
    }

    static final String USAGE = """
            usage: java bench/LoadGenerator.java <run|fill|compact|send> [--kl-port P] [--redis-port P] [--etcd-port P] [options]

            run      --name W1 --connections 50 --pipeline 1 --get-percent 90 --keys 100000
                     --value-size 16 --duration 10 --warmup 5 --reps 3 --threads 1
            fill     --keys 1000000 --value-size 16 --connections 8 --pipeline 64
            compact  --keys 1000000 --timeout 300 --compactions 1
            send     --command "info memory"
            hold     --connections 10000 --seconds 5   (opens them, checks each answers PING,
                     prints HELD, keeps them open that long, then closes them)
            files    --dir D --keys 1000000 --value-size 16 --versions 1

            Keys are k000000000, k000000001, ... (10 bytes); values are value-size bytes.
            Latencies are in microseconds, from sending a request to reading its whole reply.
            """;

    // ---------------------------------------------------------------------------------------
    // hold: many idle connections at once, for the memory they cost the server

    static void hold(Target target, int connections, double seconds) throws Exception {
        byte[] ping = target.protocol() == Protocol.REDIS ? "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII)
                : "ping\n".getBytes(StandardCharsets.US_ASCII);
        List<java.net.Socket> sockets = new ArrayList<>(connections);
        try {
            for (int i = 0; i < connections; i++) {
                java.net.Socket socket = new java.net.Socket();
                socket.connect(new InetSocketAddress(LOOPBACK, target.port()), 30_000);
                socket.setSoTimeout(30_000);
                sockets.add(socket);
                socket.getOutputStream().write(ping);
            }
            for (java.net.Socket socket : sockets) {
                java.io.InputStream in = socket.getInputStream();
                StringBuilder reply = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    reply.append((char) b);
                }
                if (!reply.toString().contains("PONG")) {
                    fail(target.name() + " answered a held connection's PING with: " + reply);
                }
            }
            System.out.printf(Locale.ROOT, "HELD %s connections=%d%n", target.name(), connections);
            System.out.flush();
            Thread.sleep((long) (seconds * 1000));
        }
        finally {
            for (java.net.Socket socket : sockets) {
                socket.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // run: a timed closed-loop workload

    static void runWorkload(Options options, List<Target> targets) throws Exception {
        String name = options.text("name", "run");
        Workload workload = new Workload(options.integer("connections", 50), options.integer("pipeline", 1),
                options.integer("get-percent", 90), options.integer("keys", 100_000),
                options.integer("value-size", 16), options.integer("threads", 1));
        double duration = options.decimal("duration", 10);
        double warmup = options.decimal("warmup", 5);
        int reps = options.integer("reps", 3);
        System.out.printf(Locale.ROOT, "# %s: %s, %.0f s per run, %d runs per server%n", name, workload,
                duration, reps);
        if (warmup > 0) {
            for (Target target : targets) {
                RunResult result = workload.run(target, warmup);
                System.out.printf(Locale.ROOT, "WARMUP %s %s %s%n", name, target.name(), result);
            }
        }
        Map<Target, List<RunResult>> results = new HashMap<>();
        for (int rep = 1; rep <= reps; rep++) {
            for (Target target : targets) {
                RunResult result = workload.run(target, duration);
                results.computeIfAbsent(target, t -> new ArrayList<>()).add(result);
                System.out.printf(Locale.ROOT, "RUN %s %s rep=%d %s%n", name, target.name(), rep, result);
            }
        }
        for (Target target : targets) {
            List<RunResult> runs = results.get(target);
            System.out.printf(Locale.ROOT, "MEDIAN %s %s ops_per_sec=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f%n",
                    name, target.name(), median(runs, RunResult::opsPerSecond),
                    median(runs, r -> r.p50Nanos() / 1000.0), median(runs, r -> r.p99Nanos() / 1000.0),
                    median(runs, r -> r.p999Nanos() / 1000.0));
        }
    }

    /**
     * A closed-loop workload: every connection keeps {@code pipeline} requests in flight, and
     * sends the next request as soon as a reply arrives. Gets and sets pick keys uniformly among
     * {@code keys} preloaded keys.
     */
    record Workload(int connections, int pipeline, int getPercent, int keys, int valueSize, int threads) {

        RunResult run(Target target, double seconds) throws Exception {
            long durationNanos = (long) (seconds * 1e9);
            return drive(target, connections, pipeline, threads, durationNanos,
                    part -> new RandomRequests(getPercent, keys, valueSize, new SplittableRandom()));
        }

        @Override
        public String toString() {
            return connections + " connections x " + pipeline + " in flight, " + getPercent + "% get / "
                    + (100 - getPercent) + "% set, " + keys + " keys, " + valueSize + "-byte values";
        }
    }

    record RunResult(long operations, long errors, long misses, double seconds, long p50Nanos, long p99Nanos,
            long p999Nanos, long maxNanos) {

        double opsPerSecond() {
            return this.operations / this.seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "ops_per_sec=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f ops=%d errors=%d misses=%d",
                    opsPerSecond(), p50Nanos / 1000.0, p99Nanos / 1000.0, p999Nanos / 1000.0, maxNanos / 1000.0,
                    operations, errors, misses);
        }
    }

    /**
     * Opens the connections, spreads them over {@code threads} selector loops, runs until the
     * deadline (or until the request sources run dry) and merges what the loops measured.
     * Only replies that arrive before the deadline count; requests still in flight then are
     * read and dropped.
     */
    static RunResult drive(Target target, int connections, int pipeline, int threads, long durationNanos,
            LongFunction<RequestSource> sourceForLoop) throws Exception {
        int loopCount = Math.max(1, Math.min(threads, connections));
        List<LoadLoop> loops = new ArrayList<>();
        for (int i = 0; i < loopCount; i++) {
            loops.add(new LoadLoop(target.protocol(), pipeline, sourceForLoop.apply(i)));
        }
        for (int i = 0; i < connections; i++) {
            loops.get(i % loopCount).connect(target);
        }
        long start = System.nanoTime();
        long deadline = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        ExecutorService pool = Executors.newFixedThreadPool(loopCount);
        try {
            List<Future<LoadLoop>> running = new ArrayList<>();
            for (LoadLoop loop : loops) {
                running.add(pool.submit(() -> loop.runUntil(deadline)));
            }
            for (Future<LoadLoop> done : running) {
                done.get();
            }
        }
        finally {
            pool.shutdownNow();
        }
        long end = Math.min(System.nanoTime(), deadline);
        Histogram all = new Histogram();
        long operations = 0;
        long errors = 0;
        long misses = 0;
        long lastReply = start;
        for (LoadLoop loop : loops) {
            all.add(loop.latencies);
            operations += loop.completed;
            errors += loop.errors;
            misses += loop.misses;
            lastReply = Math.max(lastReply, loop.lastReplyAt);
        }
        // A source that runs dry (fill) ends before the deadline: count the time actually used.
        double seconds = (durationNanos == Long.MAX_VALUE ? lastReply - start : end - start) / 1e9;
        return new RunResult(operations, errors, misses, seconds, all.percentile(50), all.percentile(99),
                all.percentile(99.9), all.max());
    }

    /** Writes requests into a connection's send buffer. */
    interface RequestSource {

        /** Appends one request line; false when there are no more. */
        boolean next(ByteBuffer out);
    }

    /** Gets (getPercent %) and sets of uniformly random keys. */
    static final class RandomRequests implements RequestSource {

        private final int getPercent;

        private final int keys;

        private final int valueSize;

        private final SplittableRandom random;

        RandomRequests(int getPercent, int keys, int valueSize, SplittableRandom random) {
            this.getPercent = getPercent;
            this.keys = keys;
            this.valueSize = valueSize;
            this.random = random;
        }

        @Override
        public boolean next(ByteBuffer out) {
            int key = this.random.nextInt(this.keys);
            if (this.random.nextInt(100) < this.getPercent) {
                Requests.get(out, key);
            }
            else {
                Requests.set(out, key, 'r', this.valueSize);
            }
            return true;
        }
    }

    /** Sets each key of [from, to) once, in order. */
    static final class SequentialSets implements RequestSource {

        private final int to;

        private final int valueSize;

        private final char tag;

        private int nextKey;

        SequentialSets(int from, int to, int valueSize, char tag) {
            this.nextKey = from;
            this.to = to;
            this.valueSize = valueSize;
            this.tag = tag;
        }

        @Override
        public boolean next(ByteBuffer out) {
            if (this.nextKey >= this.to) {
                return false;
            }
            Requests.set(out, this.nextKey++, this.tag, this.valueSize);
            return true;
        }
    }

    /** Request lines, written straight into a buffer (no strings per request). */
    /**
     * The same requests for etcd: {@code set k v} as {@code POST /v3/kv/put} and {@code get k} as
     * {@code POST /v3/kv/range}, key and value base64 in JSON as the gateway wants them, on
     * kept-alive HTTP/1.1 connections.
     */
    static final class EtcdRequests implements RequestSource {

        private final RequestSource lines;

        private final ByteBuffer line = ByteBuffer.allocate(64 * 1024);

        EtcdRequests(RequestSource lines) {
            this.lines = lines;
        }

        @Override
        public boolean next(ByteBuffer out) {
            this.line.clear();
            if (!this.lines.next(this.line)) {
                return false;
            }
            String[] words = new String(this.line.array(), 0, this.line.position(), StandardCharsets.US_ASCII).trim()
                    .split(" ", 3);
            java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
            String key = base64.encodeToString(words[1].getBytes(StandardCharsets.US_ASCII));
            String path;
            String body;
            if (words[0].equals("set")) {
                path = "/v3/kv/put";
                body = "{\"key\":\"" + key + "\",\"value\":\""
                        + base64.encodeToString(words[2].getBytes(StandardCharsets.US_ASCII)) + "\"}";
            }
            else {
                path = "/v3/kv/range";
                body = "{\"key\":\"" + key + "\"}";
            }
            out.put(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            return true;
        }
    }

    static final class Requests {

        static final int KEY_DIGITS = 9;

        static void get(ByteBuffer out, int key) {
            out.put((byte) 'g').put((byte) 'e').put((byte) 't').put((byte) ' ');
            putKey(out, key);
            out.put((byte) '\r').put((byte) '\n');
        }

        /** {@code set k<key> <tag><digits of key>}: the value is valueSize bytes and tells which key it is. */
        static void set(ByteBuffer out, int key, char tag, int valueSize) {
            out.put((byte) 's').put((byte) 'e').put((byte) 't').put((byte) ' ');
            putKey(out, key);
            out.put((byte) ' ').put((byte) tag);
            putDigits(out, key, valueSize - 1);
            out.put((byte) '\r').put((byte) '\n');
        }

        /** {@code k} and nine digits: the 10-byte keys of the benchmark. */
        static void putKey(ByteBuffer out, int key) {
            out.put((byte) 'k');
            putDigits(out, key, KEY_DIGITS);
        }

        static void putDigits(ByteBuffer out, long number, int width) {
            int end = out.position() + width;
            long rest = number;
            for (int i = end - 1; i >= end - width; i--) {
                out.put(i, (byte) ('0' + rest % 10));
                rest /= 10;
            }
            out.position(end);
        }

        static String key(int key) {
            return String.format(Locale.ROOT, "k%0" + KEY_DIGITS + "d", key);
        }
    }

    /**
     * One thread's share of the connections, driven by one selector (as redis-benchmark's event
     * loop does), so that the client spends its CPU on requests rather than on thread switches.
     */
    static final class LoadLoop {

        private final Protocol protocol;

        private final int pipeline;

        private final RequestSource source;

        private final Selector selector;

        private final List<Connection> connections = new ArrayList<>();

        final Histogram latencies = new Histogram();

        long completed;

        long errors;

        long misses;

        long lastReplyAt;

        LoadLoop(Protocol protocol, int pipeline, RequestSource source) throws IOException {
            this.protocol = protocol;
            this.pipeline = pipeline;
            this.source = protocol == Protocol.ETCD ? new EtcdRequests(source) : source;
            this.selector = Selector.open();
        }

        void connect(Target target) throws IOException {
            SocketChannel channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(new InetSocketAddress(LOOPBACK, target.port()));
            channel.configureBlocking(false);
            Connection connection = new Connection(channel, this.pipeline);
            connection.key = channel.register(this.selector, SelectionKey.OP_READ, connection);
            this.connections.add(connection);
        }

        LoadLoop runUntil(long deadline) throws IOException {
            try {
                long now = System.nanoTime();
                int open = 0;
                for (Connection connection : this.connections) {
                    while (connection.inFlight < this.pipeline && this.source.next(connection.out)) {
                        connection.sent(now);
                    }
                    flush(connection);
                    if (connection.inFlight > 0) {
                        open++;
                    }
                }
                // After the deadline, wait a little for the replies still in flight, so that the
                // next run starts on a quiet server.
                long drainUntil = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline + 10_000_000_000L;
                int[] closed = new int[1];
                while (open - closed[0] > 0 && System.nanoTime() < drainUntil) {
                    this.selector.select(key -> {
                        try {
                            if (onReady((Connection) key.attachment(), deadline)) {
                                closed[0]++;
                            }
                        }
                        catch (IOException ex) {
                            throw new IllegalStateException(ex.getMessage(), ex);
                        }
                    }, 100);
                }
                return this;
            }
            finally {
                for (Connection connection : this.connections) {
                    connection.channel.close();
                }
                this.selector.close();
            }
        }

        /** Reads and answers what arrived; true once the connection has nothing more in flight. */
        private boolean onReady(Connection c, long deadline) throws IOException {
            if (c.key.isWritable()) {
                flush(c);
            }
            if (!c.key.isReadable()) {
                return false;
            }
            if (c.channel.read(c.in) < 0) {
                throw new IOException("the server closed a connection with " + c.inFlight + " requests in flight");
            }
            long now = System.nanoTime();
            boolean measuring = now <= deadline;
            byte[] buffer = c.in.array();
            int position = 0;
            int limit = c.in.position();
            int end;
            while (c.inFlight > 0 && (end = this.protocol.replyEnd(buffer, position, limit)) >= 0) {
                long sentAt = c.replied();
                if (measuring) {
                    this.latencies.record(now - sentAt);
                    this.completed++;
                    this.lastReplyAt = now;
                    if (this.protocol.isError(buffer, position)) {
                        this.errors++;
                        if (this.errors <= 3) {
                            System.err.println("error reply: "
                                    + new String(buffer, position, end - position, StandardCharsets.UTF_8).trim());
                        }
                    }
                    else if (this.protocol.isMiss(buffer, position)) {
                        this.misses++;
                    }
                }
                position = end;
                if (measuring && this.source.next(c.out)) {
                    c.sent(now);
                }
            }
            if (c.inFlight == 0 && position < limit) {
                throw new IOException("the server sent more replies than requests");
            }
            c.in.position(position).limit(limit);
            c.in.compact();
            if (!c.in.hasRemaining()) {
                throw new IOException("a reply longer than " + c.in.capacity() + " bytes");
            }
            flush(c);
            return c.inFlight == 0;
        }

        private void flush(Connection c) throws IOException {
            c.out.flip();
            c.channel.write(c.out);
            c.out.compact();
            int interest = c.out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (c.key.interestOps() != interest) {
                c.key.interestOps(interest);
            }
        }
    }

    /** A client connection and the send times of its requests in flight (a ring, oldest first). */
    static final class Connection {

        final SocketChannel channel;

        final ByteBuffer in = ByteBuffer.allocate(1 << 16);

        final ByteBuffer out = ByteBuffer.allocate(1 << 16);

        private final long[] sentAt;

        private int oldest;

        int inFlight;

        SelectionKey key;

        Connection(SocketChannel channel, int pipeline) {
            this.channel = channel;
            this.sentAt = new long[pipeline];
        }

        void sent(long now) {
            this.sentAt[(this.oldest + this.inFlight) % this.sentAt.length] = now;
            this.inFlight++;
        }

        long replied() {
            long at = this.sentAt[this.oldest];
            this.oldest = (this.oldest + 1) % this.sentAt.length;
            this.inFlight--;
            return at;
        }
    }

    // ---------------------------------------------------------------------------------------
    // fill: set every key once

    static RunResult fill(Options options, Target target, char tag) throws Exception {
        int keys = options.integer("keys", 1_000_000);
        int valueSize = options.integer("value-size", 16);
        int connections = options.integer("connections", 8);
        int pipeline = options.integer("pipeline", 64);
        // One loop: its source hands out every key once, whichever connection asks.
        RunResult result = drive(target, connections, pipeline, 1, Long.MAX_VALUE,
                loop -> new SequentialSets(0, keys, valueSize, tag));
        System.out.printf(Locale.ROOT, "FILL %s keys=%d seconds=%.2f %s%n", target.name(), keys, result.seconds(),
                result);
        if (result.errors() > 0 || result.operations() != keys) {
            fail("fill of " + target.name() + " did not set every key: " + result);
        }
        return result;
    }

    // ---------------------------------------------------------------------------------------
    // compact: compaction time, and the longest write stall meanwhile

    static void compactWithWriter(Options options, List<Target> targets) throws Exception {
        long timeoutNanos = (long) (options.decimal("timeout", 300) * 1e9);
        int compactions = options.integer("compactions", 1);
        for (int round = 1; round <= compactions; round++) {
            for (Target target : targets) {
                if (round > 1) {
                    // Every key once more: the records the last compaction dropped are back.
                    fill(options, target, 'v');
                }
                double[] measured = compactOnce(target, options.integer("keys", 1_000_000), timeoutNanos);
                System.out.printf(Locale.ROOT,
                        "COMPACTION %s time_ms=%.0f longest_stall_ms=%.1f writer_p99_us=%.0f "
                                + "longest_before_ms=%.1f writes_during=%.0f round=%d%n",
                        target.name(), measured[0], measured[1], measured[2], measured[3] / 1000, measured[4],
                        round);
            }
        }
    }

    /**
     * Starts a writer (one set at a time), lets it run 3 seconds (a server just started is still
     * compiling its write path), has the server compact, and returns {compaction ms, longest
     * write latency overlapping the compaction in ms, writer p99 during it in us, writer's
     * longest latency in the 2 seconds before in us, writes during it}.
     */
    static double[] compactOnce(Target target, int keys, long timeoutNanos) throws Exception {
        Writer writer = new Writer(target, keys);
        Thread writerThread = new Thread(writer, "writer");
        writerThread.start();
        Thread.sleep(1000);
        long baselineFrom = System.nanoTime();
        Thread.sleep(2000);
        long started;
        long finished;
        try (Socket control = new Socket(LOOPBACK, target.port())) {
            control.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(control.getInputStream());
            OutputStream out = control.getOutputStream();
            control.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutNanos / 1_000_000));
            started = System.nanoTime();
            if (target.protocol() == Protocol.KEYSTONELIGHT) {
                String reply = exchange(out, in, "compact", target.protocol());
                if (!reply.startsWith("OK")) {
                    fail("compact failed: " + reply);
                }
                System.out.println("# " + target.name() + " replied: " + reply);
            }
            else {
                String reply = exchange(out, in, "bgrewriteaof", target.protocol());
                if (reply.startsWith("-")) {
                    fail("BGREWRITEAOF failed: " + reply);
                }
                // Done when no rewrite runs and none is scheduled.
                while (true) {
                    String info = exchange(out, in, "info persistence", target.protocol());
                    if (info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0")) {
                        break;
                    }
                    if (System.nanoTime() - started > timeoutNanos) {
                        fail("the AOF rewrite did not finish in time");
                    }
                    Thread.sleep(2);
                }
            }
            finished = System.nanoTime();
        }
        Thread.sleep(500);
        writer.stop = true;
        writerThread.join();
        if (writer.failure != null) {
            throw writer.failure;
        }
        writer.printSlowest(target.name(), started, finished, 5);
        return writer.summarize(baselineFrom, started, finished);
    }

    /** Sets keys one at a time and keeps each request's start and latency. */
    static final class Writer implements Runnable {

        private final Target target;

        private final int keys;

        private long[] startedAt = new long[1 << 16];

        private long[] latency = new long[1 << 16];

        private int count;

        volatile boolean stop;

        volatile Exception failure;

        Writer(Target target, int keys) {
            this.target = target;
            this.keys = keys;
        }

        @Override
        public void run() {
            SplittableRandom random = new SplittableRandom();
            ByteBuffer request = ByteBuffer.allocate(256);
            try (Socket socket = new Socket(LOOPBACK, this.target.port())) {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(600_000);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (!this.stop) {
                    request.clear();
                    Requests.set(request, random.nextInt(this.keys), 'x', 16);
                    long start = System.nanoTime();
                    out.write(request.array(), 0, request.position());
                    String reply = readReply(in, this.target.protocol());
                    long took = System.nanoTime() - start;
                    if (!reply.startsWith("OK") && !reply.startsWith("+OK")) {
                        throw new IOException("set failed: " + reply);
                    }
                    if (this.count == this.startedAt.length) {
                        this.startedAt = Arrays.copyOf(this.startedAt, this.count * 2);
                        this.latency = Arrays.copyOf(this.latency, this.count * 2);
                    }
                    this.startedAt[this.count] = start;
                    this.latency[this.count] = took;
                    this.count++;
                }
            }
            catch (Exception ex) {
                this.failure = ex;
            }
        }

        /**
         * Prints the slowest writes overlapping the compaction, each with its start relative to
         * the compaction's and as wall-clock time, to set them against a server's GC log or a
         * flight recording.
         */
        void printSlowest(String server, long from, long to, int howMany) {
            long wallMinusNano = System.currentTimeMillis() * 1_000_000 - System.nanoTime();
            Integer[] order = new Integer[this.count];
            for (int i = 0; i < this.count; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(this.latency[b], this.latency[a]));
            int shown = 0;
            for (int i = 0; i < this.count && shown < howMany; i++) {
                int at = order[i];
                long start = this.startedAt[at];
                if (start < to && start + this.latency[at] > from) {
                    System.out.printf(Locale.ROOT, "# %s slow write: took %.1f ms, began %+.1f ms after compact was "
                            + "sent (it took %.0f ms), at %s%n", server, this.latency[at] / 1e6, (start - from) / 1e6,
                            (to - from) / 1e6, java.time.Instant.ofEpochSecond(0, start + wallMinusNano));
                    shown++;
                }
            }
        }

        double[] summarize(long baselineFrom, long from, long to) {
            long longest = 0;
            long longestBefore = 0;
            long during = 0;
            Histogram window = new Histogram();
            for (int i = 0; i < this.count; i++) {
                long start = this.startedAt[i];
                long end = start + this.latency[i];
                if (start < to && end > from) {
                    longest = Math.max(longest, this.latency[i]);
                    window.record(this.latency[i]);
                    during++;
                }
                else if (end <= from && start >= baselineFrom) {
                    longestBefore = Math.max(longestBefore, this.latency[i]);
                }
            }
            return new double[] { (to - from) / 1e6, longest / 1e6, window.percentile(99) / 1e3,
                    longestBefore / 1e3, during };
        }
    }

    // ---------------------------------------------------------------------------------------
    // send: one request, one reply

    static String send(Target target, String line) throws IOException {
        try (Socket socket = new Socket(LOOPBACK, target.port())) {
            socket.setSoTimeout(30_000);
            return exchange(socket.getOutputStream(), new BufferedInputStream(socket.getInputStream()), line,
                    target.protocol()) + "\n";
        }
    }

    static String exchange(OutputStream out, InputStream in, String line, Protocol protocol) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return readReply(in, protocol);
    }

    /** Reads one reply; a Redis bulk string is returned as its content. */
    static String readReply(InputStream in, Protocol protocol) throws IOException {
        String line = readLine(in);
        if (protocol == Protocol.REDIS && line.startsWith("$") && !line.startsWith("$-")) {
            byte[] bulk = in.readNBytes(Integer.parseInt(line.substring(1)) + 2);
            return new String(bulk, 0, bulk.length - 2, StandardCharsets.UTF_8);
        }
        return line;
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the server closed the connection");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    // ---------------------------------------------------------------------------------------
    // files: the same data set as a KeystoneLight data file and as a Redis AOF

    /**
     * Writes {@code dir/db.txt} and {@code dir/appendonlydir/} holding the same records: every key
     * set {@code versions} times in turn (the last one wins, the others are dead), with the values
     * {@code fill} would set. The AOF is what Redis 7 writes itself: a manifest, and the commands
     * in RESP, as Redis logs them after a SELECT.
     */
    static void writeDataFiles(Options options) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(options.text("dir", "."));
        int keys = options.integer("keys", 1_000_000);
        int valueSize = options.integer("value-size", 16);
        int versions = options.integer("versions", 1);
        java.nio.file.Path aofDir = dir.resolve("appendonlydir");
        java.nio.file.Files.createDirectories(aofDir);
        java.nio.file.Files.writeString(aofDir.resolve("appendonly.aof.manifest"),
                "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        java.nio.file.Files.write(aofDir.resolve("appendonly.aof.1.base.aof"), new byte[0]);
        ByteBuffer set = ByteBuffer.allocate(256);
        try (OutputStream klFile = new java.io.BufferedOutputStream(
                java.nio.file.Files.newOutputStream(dir.resolve("db.txt")), 1 << 20);
                OutputStream aof = new java.io.BufferedOutputStream(
                        java.nio.file.Files.newOutputStream(aofDir.resolve("appendonly.aof.1.incr.aof")), 1 << 20)) {
            aof.write("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] resp = ("*3\r\n$3\r\nset\r\n$" + (Requests.KEY_DIGITS + 1) + "\r\n").getBytes(
                    StandardCharsets.US_ASCII);
            for (int version = 1; version <= versions; version++) {
                char tag = version == versions ? 'v' : 'w';
                for (int key = 0; key < keys; key++) {
                    // "set k<key> <value>\r\n" cut into the key and the value.
                    set.clear();
                    Requests.set(set, key, tag, valueSize);
                    byte[] line = set.array();
                    int keyStart = 4;
                    int valueStart = keyStart + Requests.KEY_DIGITS + 2;
                    int valueEnd = set.position() - 2;
                    klFile.write(line, keyStart, valueStart - 1 - keyStart);
                    klFile.write('|');
                    klFile.write(line, valueStart, valueEnd - valueStart);
                    klFile.write('\n');
                    aof.write(resp);
                    aof.write(line, keyStart, valueStart - 1 - keyStart);
                    aof.write(("\r\n$" + (valueEnd - valueStart) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    aof.write(line, valueStart, valueEnd - valueStart);
                    aof.write('\r');
                    aof.write('\n');
                }
            }
        }
        System.out.printf(Locale.ROOT, "FILES %s keys=%d versions=%d%n", dir, keys, versions);
    }

    // ---------------------------------------------------------------------------------------
    // protocols, targets, options, statistics

    record Target(String name, int port, Protocol protocol) {
    }

    /** Where a reply ends, and what kind it is; both look only at the bytes of the reply. */
    enum Protocol {

        /** One line per reply: OK, VALUE v, NOT_FOUND, DELETED n, PONG, ERR ... */
        KEYSTONELIGHT {
            @Override
            int replyEnd(byte[] b, int from, int to) {
                int newline = indexOf(b, from, to, (byte) '\n');
                return newline < 0 ? -1 : newline + 1;
            }

            @Override
            boolean isError(byte[] b, int at) {
                return b[at] == 'E';
            }

            @Override
            boolean isMiss(byte[] b, int at) {
                return b[at] == 'N';
            }
        },

        /** RESP: +OK, -ERR ..., :n, $-1 (no value), or $n followed by a line of n bytes. */
        REDIS {
            @Override
            int replyEnd(byte[] b, int from, int to) {
                int newline = indexOf(b, from, to, (byte) '\n');
                if (newline < 0) {
                    return -1;
                }
                if (b[from] != '$' || b[from + 1] == '-') {
                    return newline + 1;
                }
                int length = 0;
                for (int i = from + 1; b[i] != '\r'; i++) {
                    length = length * 10 + (b[i] - '0');
                }
                int end = newline + 1 + length + 2;
                return end <= to ? end : -1;
            }

            @Override
            boolean isError(byte[] b, int at) {
                return b[at] == '-';
            }

            @Override
            boolean isMiss(byte[] b, int at) {
                return b[at] == '$' && b[at + 1] == '-';
            }
        },

        /**
         * etcd v3's HTTP/JSON gateway (run only: {@link EtcdRequests} turns each request line
         * into a put or range call); an HTTP/1.1 reply with a Content-Length.
         */
        ETCD {
            @Override
            int replyEnd(byte[] b, int from, int to) {
                for (int i = from; i + 3 < to; i++) {
                    if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                        String head = new String(b, from, i - from, StandardCharsets.US_ASCII);
                        java.util.regex.Matcher length = CONTENT_LENGTH.matcher(head);
                        if (!length.find()) {
                            throw new IllegalStateException("an etcd reply without Content-Length: " + head);
                        }
                        int end = i + 4 + Integer.parseInt(length.group(1));
                        return end <= to ? end : -1;
                    }
                }
                return -1;
            }

            @Override
            boolean isError(byte[] b, int at) {
                return b[at + 9] != '2'; // "HTTP/1.1 200 OK"
            }

            @Override
            boolean isMiss(byte[] b, int at) {
                return false; // W3 writes only
            }
        };

        private static final java.util.regex.Pattern CONTENT_LENGTH = java.util.regex.Pattern.compile(
                "(?i)\r\ncontent-length: *(\\d+)");

        abstract int replyEnd(byte[] b, int from, int to);

        abstract boolean isError(byte[] b, int at);

        abstract boolean isMiss(byte[] b, int at);

        static int indexOf(byte[] b, int from, int to, byte wanted) {
            for (int i = from; i < to; i++) {
                if (b[i] == wanted) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * Latencies in nanoseconds in log-linear buckets, as HdrHistogram keeps them: exact below
     * 128 ns, then 64 buckets per power of two, so any value is known to within 1/64 (1.6 %).
     */
    static final class Histogram {

        private static final int SUB_BUCKETS = 64;

        private final long[] counts = new long[58 * SUB_BUCKETS];

        private long total;

        private long max;

        void record(long nanos) {
            long value = Math.max(0, nanos);
            int shift = Math.max(0, (63 - Long.numberOfLeadingZeros(value)) - 6);
            this.counts[shift * SUB_BUCKETS + (int) (value >>> shift)]++;
            this.total++;
            this.max = Math.max(this.max, value);
        }

        void add(Histogram other) {
            for (int i = 0; i < this.counts.length; i++) {
                this.counts[i] += other.counts[i];
            }
            this.total += other.total;
            this.max = Math.max(this.max, other.max);
        }

        /** The highest value of the bucket that holds the given percentile (never below the truth). */
        long percentile(double percent) {
            if (this.total == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) Math.ceil(percent / 100 * this.total));
            long seen = 0;
            for (int i = 0; i < this.counts.length; i++) {
                seen += this.counts[i];
                if (seen >= rank) {
                    int shift = i < 2 * SUB_BUCKETS ? 0 : i / SUB_BUCKETS - 1;
                    long sub = i - (long) shift * SUB_BUCKETS;
                    return Math.min(this.max, ((sub + 1) << shift) - 1);
                }
            }
            return this.max;
        }

        long max() {
            return this.max;
        }
    }

    static <T> double median(List<T> runs, java.util.function.ToDoubleFunction<T> metric) {
        double[] values = runs.stream().mapToDouble(metric).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /** {@code --name value} pairs. */
    static final class Options {

        private final Map<String, String> values = new HashMap<>();

        Options(String[] args) {
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--")) {
                    fail("unexpected argument " + args[i] + "; see --help");
                }
                String name = args[i].substring(2);
                int equals = name.indexOf('=');
                if (equals >= 0) {
                    this.values.put(name.substring(0, equals), name.substring(equals + 1));
                }
                else if (i + 1 < args.length) {
                    this.values.put(name, args[++i]);
                }
                else {
                    fail("--" + name + " needs a value");
                }
            }
        }

        boolean has(String name) {
            return this.values.containsKey(name);
        }

        String text(String name, String fallback) {
            return this.values.getOrDefault(name, fallback);
        }

        int integer(String name, int fallback) {
            return has(name) ? Integer.parseInt(this.values.get(name)) : fallback;
        }

        double decimal(String name, double fallback) {
            return has(name) ? Double.parseDouble(this.values.get(name)) : fallback;
        }
    }

    static void fail(String message) {
        System.err.println("LoadGenerator: " + message);
        System.exit(1);
    }
}
