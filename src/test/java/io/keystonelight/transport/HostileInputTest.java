package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.keystonelight.support.DataFileContent;
import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Clients that misbehave, on purpose or not, against the whole server over real sockets. Each
 * must get well-formed replies or be cut off alone; everyone else is served throughout, and the
 * data file always replays to exactly what the server holds.
 *
 * <p>The random inputs are reproducible: the seed is printed, and
 * {@code -Dkeystonelight.fuzz.seed=...} replays it.
 */
class HostileInputTest extends ServerInThisJvm {

    private static final int LINE_LIMIT = 4096;

    private static final int CONNECTION_LIMIT = 40;

    private static final String COMMANDS = "expected one of: set, get, delete (or del), expire, ttl, persist, compact, ping, quit";

    private static final String NOT_UTF8 = "ERR request is not valid UTF-8; requests are UTF-8 text";

    private static final String BAD_VALUE = "ERR invalid value: a value may not contain CR, LF or NUL characters";

    private static final String LINE_TOO_LONG = "ERR line too long: a request line may be at most " + LINE_LIMIT
            + " bytes (keystonelight.server.max-line-length); closing the connection";

    private static final Pattern WELL_FORMED_REPLY = Pattern
            .compile("OK|PONG|NOT_FOUND|DELETED \\d+|VALUE [^\r\n]*|OK compacted: [^\r\n]*|ERR [^\r\n]+");

    private static final AtomicLong inputsTried = new AtomicLong();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("keystonelight.server.max-line-length", () -> LINE_LIMIT + "B");
        registry.add("keystonelight.server.max-connections", () -> Integer.toString(CONNECTION_LIMIT));
    }


    /** Whatever a test sent, the data file holds whole records and replays to what is in memory. */
    @AfterEach
    void dataFileMatchesTheStore() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, String> replayed = DataFileContent.replay(this.store.dataFilePath());
            replayed.forEach((key, value) -> assertThat(this.store.get(key)).as(key).isEqualTo(value));
            assertThat(this.store.stats().keys()).isEqualTo(replayed.size());
        });
        assertThat(this.store.writeFailure()).isNull();
    }

    @AfterAll
    static void report() {
        System.out.printf("hostile input: %d inputs tried, every one answered in order or its connection cut "
                + "off alone; data file consistent after each test%n", inputsTried.get());
    }

    private void assertOthersAreServed() {
        try (LineClient bystander = connect()) {
            assertThat(bystander.call("set bystander:k served")).isEqualTo("OK");
            assertThat(bystander.call("get bystander:k")).isEqualTo("VALUE served");
        }
    }

    /** Sends each input as one line and expects the reply beside it. */
    private void expectReplies(LineClient client, Object... inputsAndReplies) {
        for (int i = 0; i < inputsAndReplies.length; i += 2) {
            Object input = inputsAndReplies[i];
            byte[] line = input instanceof byte[] raw ? raw : ((String) input).getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream withNewline = new ByteArrayOutputStream();
            withNewline.writeBytes(line);
            withNewline.write('\n');
            client.sendBytes(withNewline.toByteArray());
            inputsTried.incrementAndGet();
            assertThat(client.readLine()).as("reply to input %d", i / 2).isEqualTo(inputsAndReplies[i + 1]);
        }
    }

    @Test
    void randomBytesAndMangledRequestsGetOneWellFormedReplyPerLine() throws Exception {
        long seed = Long.getLong("keystonelight.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        int connections = 30;
        int inputsPerConnection = 300;
        List<byte[]> streams = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 0; i < inputsPerConnection; i++) {
                byte[] input = randomInput(random);
                // A connection whose first byte is '*' speaks RESP, where lines are not requests;
                // empty lines before it do not count (the detector skips them, as Redis does), so
                // an empty first input or one that starts a new line could still let a '*' choose.
                while (i == 0 && !namesTheTextProtocol(input)) {
                    input = randomInput(random);
                }
                stream.writeBytes(input);
                stream.write('\n');
            }
            // An unfinished last line: never executed, never answered.
            stream.writeBytes(randomBytes(random, random.nextInt(50)));
            streams.add(stream.toByteArray());
        }
        ExecutorService clients = Executors.newFixedThreadPool(10);
        List<Future<Integer>> answered = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            byte[] sent = streams.get(c);
            int connection = c;
            answered.add(clients.submit(() -> {
                int expected = 0;
                for (byte b : sent) {
                    if (b == '\n') {
                        expected++;
                    }
                }
                List<String> replies = new ArrayList<>();
                try (LineClient client = connect()) {
                    client.sendBytes(sent);
                    client.shutdownOutput();
                    String reply;
                    while ((reply = client.readLine()) != null) {
                        replies.add(reply);
                    }
                }
                assertThat(replies).as("replies on connection %d (seed %d)", connection, seed).hasSize(expected)
                        .allSatisfy(reply -> assertThat(reply).matches(WELL_FORMED_REPLY));
                return expected;
            }));
        }
        long lines = 0;
        try {
            for (Future<Integer> connection : answered) {
                lines += connection.get();
            }
        }
        finally {
            clients.shutdownNow();
        }
        inputsTried.addAndGet(lines);
        assertOthersAreServed();
        System.out.printf("hostile input: %d random and mangled request lines on %d connections at once (seed %d), "
                + "each answered with one well-formed reply%n", lines, connections, seed);
    }

    private static boolean namesTheTextProtocol(byte[] firstInput) {
        return firstInput.length > 0 && firstInput[0] != '*' && firstInput[0] != '\r' && firstInput[0] != '\n';
    }

    private static byte[] randomInput(Random random) {
        String[] templates = { "set fz:k%d v%d", "get fz:k%d", "del fz:k%d fz:k%d", "ping",
                "set fz:k%d value with spaces | and bars %d", "get fz:k%d" };
        if (random.nextInt(100) == 0) {
            return "compact".getBytes(StandardCharsets.US_ASCII);
        }
        switch (random.nextInt(3)) {
            case 0:
                // Newlines among them only split it into more lines, which are counted too.
                return randomBytes(random, random.nextInt(300));
            case 1:
                return String.format(templates[random.nextInt(templates.length)], random.nextInt(20),
                        random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
            default:
                byte[] request = String.format(templates[random.nextInt(templates.length)], random.nextInt(20),
                        random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
                ByteArrayOutputStream mangled = new ByteArrayOutputStream();
                mangled.writeBytes(request);
                for (int m = 1 + random.nextInt(3); m > 0; m--) {
                    byte[] now = mangled.toByteArray();
                    mangled.reset();
                    int at = now.length == 0 ? 0 : random.nextInt(now.length);
                    byte any = (byte) random.nextInt(256);
                    switch (random.nextInt(3)) {
                        case 0 -> {
                            mangled.write(now, 0, at);
                            mangled.write(any);
                            mangled.write(now, Math.min(at + 1, now.length), now.length - Math.min(at + 1, now.length));
                        }
                        case 1 -> {
                            mangled.write(now, 0, at);
                            mangled.write(any);
                            mangled.write(now, at, now.length - at);
                        }
                        default -> mangled.write(now, 0, at);
                    }
                }
                return mangled.toByteArray();
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void nulBytesAreRefusedWhereverTheyAppear() {
        try (LineClient client = connect()) {
            expectReplies(client,
                    "\0", "ERR unknown command '?'; " + COMMANDS,
                    "ping\0", "ERR unknown command 'ping?'; " + COMMANDS,
                    "set nul:a x\0y", BAD_VALUE,
                    "set nul:a \0", BAD_VALUE,
                    "get nul:\0a", "ERR invalid key 'nul:?a': the key contains a control character; a key is 1 to "
                            + "1024 bytes of UTF-8 without whitespace, control characters or '|'",
                    "\0".repeat(3000), "ERR unknown command '" + "?".repeat(64) + "...'; " + COMMANDS,
                    "get nul:a", "NOT_FOUND",
                    "ping", "PONG");
        }
    }

    @Test
    void invalidUtf8IsRefusedAndValidUtf8IsKeptByteForByte() {
        byte[][] invalid = {
                { (byte) 0xFF },
                { (byte) 0xC0, (byte) 0x80 },
                { (byte) 0xED, (byte) 0xA0, (byte) 0x80 },
                { (byte) 0xE2, (byte) 0x82 },
                { (byte) 0x80 },
                { (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80 },
                { (byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80 },
        };
        try (LineClient client = connect()) {
            for (byte[] bad : invalid) {
                ByteArrayOutputStream set = new ByteArrayOutputStream();
                set.writeBytes("set utf:a x".getBytes(StandardCharsets.US_ASCII));
                set.writeBytes(bad);
                ByteArrayOutputStream get = new ByteArrayOutputStream();
                get.writeBytes("get utf:".getBytes(StandardCharsets.US_ASCII));
                get.writeBytes(bad);
                expectReplies(client, set.toByteArray(), NOT_UTF8, get.toByteArray(), NOT_UTF8, bad, NOT_UTF8);
            }
            expectReplies(client,
                    "get utf:a", "NOT_FOUND",
                    "set utf:ok ünïcödé € 𝄞 日本", "OK",
                    "get utf:ok", "VALUE ünïcödé € 𝄞 日本",
                    "set ключ:€ значение", "OK",
                    "get ключ:€", "VALUE значение");
        }
    }

    @Test
    void emptyLinesAndLoneCarriageReturnsGetErrorsAndChangeNothing() {
        try (LineClient client = connect()) {
            expectReplies(client,
                    "", "ERR empty request; expected a command: set, get, delete (or del), expire, ttl, persist, compact, ping, quit",
                    "\r", "ERR empty request; expected a command: set, get, delete (or del), expire, ttl, persist, compact, ping, quit",
                    "   \t ", "ERR empty request; expected a command: set, get, delete (or del), expire, ttl, persist, compact, ping, quit",
                    "\r\r", "ERR unknown command '?'; " + COMMANDS,
                    "pi\rng", "ERR unknown command 'pi?ng'; " + COMMANDS,
                    "ping\rping", "ERR unknown command 'ping?ping'; " + COMMANDS,
                    "set cr:a x\ry", BAD_VALUE,
                    "set cr:a x\r", "OK",
                    "get cr:a", "VALUE x",
                    "del cr:a\r", "DELETED 1",
                    " ping", "ERR a request starts with its command, not with a space; " + COMMANDS);
            // Several empty lines at once: one reply each, in order.
            client.send("\n\r\n\n");
            for (int i = 0; i < 3; i++) {
                assertThat(client.readLine()).startsWith("ERR empty request");
            }
            inputsTried.addAndGet(3);
            // A lone \r never ends a line: this is one request.
            client.send("set cr:b 1\rget cr:b\n");
            assertThat(client.readLine()).isEqualTo(BAD_VALUE);
            inputsTried.incrementAndGet();
            assertThat(client.call("get cr:b")).isEqualTo("NOT_FOUND");
        }
    }

    @Test
    void linesAtTheLimitAreServedAndLinesPastItCloseOnlyTheirConnection() throws Exception {
        String prefix = "set limit:a ";
        String atLimit = prefix + "v".repeat(LINE_LIMIT - prefix.length());
        try (LineClient bystander = connect()) {
            try (LineClient client = connect()) {
                expectReplies(client, atLimit, "OK", atLimit + "\r", "OK");
                assertThat(this.store.get("limit:a")).hasSize(LINE_LIMIT - prefix.length());
                client.send(atLimit + "x\nping\n");
                inputsTried.incrementAndGet();
                assertThat(client.readLine()).isEqualTo(LINE_TOO_LONG);
                assertThat(client.readLine()).as("then the connection is closed").isNull();
            }
            assertThat(bystander.call("ping")).isEqualTo("PONG");

            // A line that never ends: the server reads no more than the limit of it into memory,
            // answers, and drops the rest until the client gives up.
            try (Socket endless = new Socket()) {
                endless.connect(new InetSocketAddress("127.0.0.1", this.port));
                endless.setSoTimeout(30_000);
                long megabytes = 16;
                CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                    byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                    long sent = 0;
                    try {
                        OutputStream out = endless.getOutputStream();
                        while (sent < megabytes << 20) {
                            out.write(chunk);
                            sent += chunk.length;
                        }
                        endless.shutdownOutput();
                    }
                    catch (IOException ex) {
                        // The server has closed: what matters is what it replied.
                    }
                    return sent;
                });
                InputStream in = endless.getInputStream();
                String reply = new String(in.readNBytes(LINE_TOO_LONG.length() + 2), StandardCharsets.UTF_8);
                assertThat(reply).isEqualTo(LINE_TOO_LONG + "\r\n");
                assertThat(in.read()).as("then the connection is closed").isEqualTo(-1);
                writer.get();
                inputsTried.incrementAndGet();
            }
            assertThat(bystander.call("ping")).isEqualTo("PONG");
        }
    }

    @Test
    void aClientThatPipelinesAMillionRequestsWithoutReadingIsHeldBackNotBuffered() throws Exception {
        int requests = 1_000_000;
        String key = "flood:" + "k".repeat(100);
        String value = "v".repeat(200);
        try (LineClient setup = connect()) {
            assertThat(setup.call("set " + key + " " + value)).isEqualTo("OK");
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heapBefore = usedHeapAfterGc(memory);
        byte[] request = ("get " + key + "\n").getBytes(StandardCharsets.US_ASCII);
        AtomicInteger requestsTaken = new AtomicInteger();
        try (Socket flood = new Socket()) {
            flood.connect(new InetSocketAddress("127.0.0.1", this.port));
            flood.setSoTimeout(30_000);
            Thread sender = new Thread(() -> {
                int perChunk = 1000;
                byte[] chunk = new byte[request.length * perChunk];
                for (int i = 0; i < perChunk; i++) {
                    System.arraycopy(request, 0, chunk, i * request.length, request.length);
                }
                try {
                    OutputStream out = flood.getOutputStream();
                    for (int sent = 0; sent < requests; sent += perChunk) {
                        out.write(chunk);
                        requestsTaken.addAndGet(perChunk);
                    }
                }
                catch (IOException ex) {
                    // Closed at the end of the test while blocked: that is how it is meant to end.
                }
            }, "flood-sender");
            sender.setDaemon(true);
            sender.start();

            // Held back: the sender stops making progress, far short of its million requests.
            int[] lastSeen = { -1 };
            int[] unchanged = { 0 };
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                int now = requestsTaken.get();
                unchanged[0] = now == lastSeen[0] ? unchanged[0] + 1 : 0;
                lastSeen[0] = now;
                return unchanged[0] >= 4;
            });
            int taken = requestsTaken.get();
            assertThat(taken).as("requests the stuck client got into the connection").isGreaterThan(1000)
                    .isLessThan(requests / 2);

            long heapGrowth = usedHeapAfterGc(memory) - heapBefore;
            assertThat(heapGrowth).as("heap growth in bytes while the client is stuck").isLessThan(64L << 20);

            int othersServed = 0;
            try (LineClient other = connect()) {
                for (int i = 0; i < 100; i++) {
                    assertThat(other.call("set flood:other " + i)).isEqualTo("OK");
                    assertThat(other.call("get flood:other")).isEqualTo("VALUE " + i);
                    othersServed += 2;
                }
            }

            // What the stuck client does get, once it reads, is its replies in order.
            InputStream in = flood.getInputStream();
            byte[] expectedReply = ("VALUE " + value + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 1000; i++) {
                assertThat(in.readNBytes(expectedReply.length)).as("reply %d", i).isEqualTo(expectedReply);
            }
            inputsTried.addAndGet(taken);
            System.out.printf("hostile input: a client pipelining %d requests without reading was held back after %d "
                    + "(%d MB); server heap grew by %d MB meanwhile; %d requests of another client served%n", requests,
                    taken, (long) taken * request.length >> 20, Math.max(0, heapGrowth) >> 20, othersServed);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.connectionFactory.openConnections())
                .as("the stuck client's connection is released once it is gone").isZero());
        assertOthersAreServed();
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Test
    void aClientSendingOneByteASecondHoldsUpNoOneElse() throws Exception {
        byte[] request = "ping\n".getBytes(StandardCharsets.US_ASCII);
        AtomicInteger slowBytesSent = new AtomicInteger();
        try (LineClient slow = connect()) {
            CompletableFuture<String> slowReply = CompletableFuture.supplyAsync(() -> {
                for (byte b : request) {
                    slow.sendBytes(new byte[] { b });
                    slowBytesSent.incrementAndGet();
                    if (slowBytesSent.get() < request.length) {
                        sleepOneSecond();
                    }
                }
                return slow.readLine();
            });
            int served = 0;
            try (LineClient other = connect(); LineClient third = connect()) {
                for (int i = 0; i < 100; i++) {
                    assertThat(other.call("set slow:other " + i)).isEqualTo("OK");
                    assertThat(third.call("get slow:other")).isEqualTo("VALUE " + i);
                    served += 2;
                }
            }
            assertThat(slowBytesSent.get()).as("the others were done before the slow client finished its line")
                    .isLessThan(request.length);
            assertThat(slowReply.get()).isEqualTo("PONG");
            inputsTried.addAndGet(served + 1);
            System.out.printf("hostile input: %d requests of other clients served while one client sent a byte a "
                    + "second%n", served);
        }
    }

    private static void sleepOneSecond() {
        try {
            // The input itself: one byte a second.
            Thread.sleep(1000);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void connectionsDroppedMidLineLeaveNoTrace() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> this.connectionFactory.openConnections() == 0);
        int dropped = 200;
        for (int i = 0; i < dropped; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", this.port));
                OutputStream out = socket.getOutputStream();
                switch (i % 4) {
                    case 0 -> out.write(("set dropped:" + i + " half a requ").getBytes(StandardCharsets.US_ASCII));
                    case 1 -> out.write(("ping\nset dropped:" + i + " 1").getBytes(StandardCharsets.US_ASCII));
                    case 2 -> out.write(("set dropped:" + i).getBytes(StandardCharsets.US_ASCII));
                    default -> {
                        // Connected and gone without a word.
                    }
                }
                out.flush();
                if (i % 2 == 0) {
                    // Reset instead of closing: the connection vanishes as on a crashed client.
                    socket.setSoLinger(true, 0);
                }
            }
        }
        inputsTried.addAndGet(dropped);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.connectionFactory.openConnections())
                .as("connections still held after their clients left").isZero());
        for (int i = 0; i < dropped; i++) {
            assertThat(this.store.get("dropped:" + i)).as("dropped:%d", i).isNull();
        }
        assertOthersAreServed();
        System.out.printf("hostile input: %d connections dropped mid-line (half of them reset), none executed, all "
                + "released%n", dropped);
    }

    @Test
    void pastTheConnectionLimitANewConnectionIsToldSoAndClosedWhileTheOthersAreServed() {
        await().atMost(Duration.ofSeconds(10)).until(() -> this.connectionFactory.openConnections() == 0);
        List<LineClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTION_LIMIT; i++) {
                LineClient client = connect();
                held.add(client);
                assertThat(client.call("ping")).isEqualTo("PONG");
            }
            try (LineClient refused = connect()) {
                // The refusal comes at once, before the client has said anything.
                assertThat(refused.readLine()).isEqualTo("ERR too many connections: this server serves at most "
                        + CONNECTION_LIMIT + " at once (keystonelight.server.max-connections); try again later");
                assertThat(refused.readLine()).isNull();
            }
            for (LineClient client : held) {
                assertThat(client.call("ping")).as("the connections already served are unaffected").isEqualTo("PONG");
            }
            held.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> this.connectionFactory.openConnections() < CONNECTION_LIMIT);
            try (LineClient next = connect()) {
                assertThat(next.call("ping")).as("a place freed is taken again").isEqualTo("PONG");
            }
            inputsTried.addAndGet(2L * CONNECTION_LIMIT + 1);
        }
        finally {
            held.forEach(LineClient::close);
        }
    }

    @Test
    void authWithoutAPasswordSetIsAnError() {
        try (LineClient client = connect()) {
            expectReplies(client, "auth anything", "ERR no password is set on this server "
                    + "(keystonelight.server.password), so auth is not needed", "ping", "PONG");
        }
    }
}
