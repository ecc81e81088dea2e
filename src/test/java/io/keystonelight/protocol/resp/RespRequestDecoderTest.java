package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import io.keystonelight.command.Command;
import io.keystonelight.command.GetInPlace;
import io.keystonelight.support.RespConnection;

import static org.assertj.core.api.Assertions.assertThat;

/** The RESP decoder on its own: framing across reads, limits, and what a malformed request becomes. */
class RespRequestDecoderTest {

    private static List<Command> decode(int maxBulk, byte[]... reads) {
        EmbeddedChannel channel = new EmbeddedChannel(new RespRequestDecoder(maxBulk));
        for (byte[] read : reads) {
            channel.writeInbound(Unpooled.wrappedBuffer(read));
        }
        List<Command> commands = new ArrayList<>();
        Object next;
        while ((next = channel.readInbound()) != null) {
            commands.add((Command) next);
        }
        channel.finishAndReleaseAll();
        return commands;
    }

    @Test
    void aRequestSplitIntoOneByteReadsIsOneCommand() {
        byte[] request = RespConnection.request("SET", "key", "a value\r\nwith CRLF");
        byte[][] reads = new byte[request.length][];
        for (int i = 0; i < request.length; i++) {
            reads[i] = new byte[] { request[i] };
        }
        List<Command> commands = decode(1024, reads);
        assertThat(commands).hasSize(1);
        Command.Set set = (Command.Set) commands.get(0);
        assertThat(new String(set.value(), StandardCharsets.UTF_8)).isEqualTo("a value\r\nwith CRLF");
    }

    @Test
    void pipelinedRequestsInOneReadAreCommandsInOrder() {
        byte[] a = RespConnection.request("GET", "a");
        byte[] b = RespConnection.request("DEL", "a", "b");
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        List<Command> commands = decode(1024, both);
        assertThat(commands).hasSize(2);
        assertThat(commands.get(0)).isInstanceOf(Command.Get.class);
        assertThat(((Command.Delete) commands.get(1)).keys()).hasSize(2);
    }

    /**
     * A connection's decoder takes plain GETs in place: their keys in arrays reused read after
     * read, so that a GET costs no object; a GET split over reads, or one the general parser must
     * word an error for, still comes out right.
     */
    @Test
    void aConnectionsDecoderTakesPlainGetsInPlaceAndReusesThemReadAfterRead() {
        EmbeddedChannel channel = new EmbeddedChannel(RespRequestDecoder.forConnection(1024));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(RespConnection.request("GET", "a"),
                RespConnection.request("get", "key:12345678"), RespConnection.request("SET", "k", "v"))));
        GetInPlace first = (GetInPlace) channel.readInbound();
        assertThat(keyOf(first)).isEqualTo("a");
        GetInPlace second = (GetInPlace) channel.readInbound();
        assertThat(second).as("a GET of the same read has an object of its own").isNotSameAs(first);
        assertThat(keyOf(second)).isEqualTo("key:12345678");
        assertThat((Object) channel.readInbound()).isInstanceOf(Command.Set.class);

        byte[] split = RespConnection.request("GET", "key");
        channel.writeInbound(Unpooled.wrappedBuffer(split, 0, split.length - 3));
        assertThat((Object) channel.readInbound()).as("a GET not all there yet").isNull();
        channel.writeInbound(Unpooled.wrappedBuffer(split, split.length - 3, 3));
        assertThat(((Command.Get) channel.readInbound()).key()).as("a GET split over reads, read the general way")
                .isEqualTo("key".getBytes(StandardCharsets.UTF_8));

        channel.writeInbound(Unpooled.wrappedBuffer(RespConnection.request("GET", "other")));
        GetInPlace reused = (GetInPlace) channel.readInbound();
        assertThat(reused).as("a later read reuses the first read's GET").isSameAs(first);
        assertThat(keyOf(reused)).isEqualTo("other");

        channel.writeInbound(Unpooled.wrappedBuffer(RespConnection.request("GET", "")));
        assertThat((Object) channel.readInbound()).as("an empty key goes to the general parser, which refuses it")
                .isInstanceOf(Command.Invalid.class);
        channel.finishAndReleaseAll();
    }

    private static String keyOf(GetInPlace get) {
        return new String(get.keyBytes(), 0, get.keyLength(), StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /**
     * A SET all in one read is framed straight from the buffer; split byte by byte it is framed the
     * general way. Both must give the same command, whatever the name's case, value or key length,
     * and a SET the short way does not take (key refused, value too long for it, bulk over the
     * limit) must still come out as the general way words it; what follows it must come out too.
     */
    @Test
    void aSetInOneReadIsTheSameCommandAsTheSameSetReadByteByByte() {
        byte[] longest = "k".repeat(1024).getBytes(StandardCharsets.US_ASCII);
        byte[][] requests = {
                RespConnection.request("SET", "key:00000001", "a value of 24 bytes here"),
                RespConnection.request("sEt", "k", "v"),
                RespConnection.request("SET", "k", ""),
                RespConnection.request("SET", "k", "a value\r\nwith CRLF and $3\r\n"),
                RespConnection.request("SET".getBytes(), longest, "v".getBytes()),
                RespConnection.request("SET".getBytes(), (new String(longest) + "k").getBytes(), "v".getBytes()),
                RespConnection.request("SET", "", "v"),
                RespConnection.request("SET".getBytes(), "k".getBytes(), new byte[70 * 1024]),
                RespConnection.request("SET".getBytes(), "k".getBytes(), new byte[100 * 1024 + 1]),
                "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$-1\r\n".getBytes(StandardCharsets.US_ASCII),
                "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n".getBytes(StandardCharsets.US_ASCII),
                RespConnection.request("SET", "k", "v", "NX"), };
        byte[] after = RespConnection.request("GET", "after");
        for (byte[] request : requests) {
            byte[] whole = concat(request, after);
            byte[][] bytes = new byte[whole.length][];
            for (int i = 0; i < whole.length; i++) {
                bytes[i] = new byte[] { whole[i] };
            }
            List<String> general = described(decode(100 * 1024, bytes));
            assertThat(general).as("the general way decodes something").isNotEmpty();
            assertThat(described(decode(100 * 1024, whole)))
                    .as("%s in one read, against the same bytes one by one", shown(request))
                    .isEqualTo(general);
        }
    }

    private static List<String> described(List<Command> commands) {
        List<String> described = new ArrayList<>();
        for (Command command : commands) {
            described.add(command instanceof Command.Set set ? "Set[" + shown(set.key()) + "=" + shown(set.value()) + "]"
                    : command instanceof Command.Get get ? "Get[" + shown(get.key()) + "]" : command.toString());
        }
        return described;
    }

    private static String shown(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        return text.length() > 40 ? text.substring(0, 20) + "...(" + text.length() + " bytes)"
                : text.replace("\r", "\\r").replace("\n", "\\n");
    }

    @Test
    void aBulkAtTheLimitIsTakenAndOneByteMoreIsAProtocolErrorThatClosesTheConnection() {
        byte[] atLimit = RespConnection.request("SET".getBytes(), "k".getBytes(), new byte[100]);
        assertThat(decode(100, atLimit)).singleElement().isInstanceOf(Command.Set.class);
        byte[] overLimit = RespConnection.request("SET".getBytes(), "k".getBytes(), new byte[101]);
        assertThat(decode(100, overLimit)).singleElement()
                .isEqualTo(new Command.Invalid("Protocol error: invalid bulk length", true));
    }

    /**
     * A client announces a bulk of 400 MB and sends 1 MB of it: the decoder holds about what
     * arrived, not what was announced; the whole bulk, sent in many reads, comes out intact.
     */
    @Test
    void aBigBulkTakesMemoryAsItArrivesNotAsItWasAnnounced() {
        RespRequestDecoder decoder = new RespRequestDecoder(512 * 1024 * 1024);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(Unpooled.wrappedBuffer(
                "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000000\r\n".getBytes(StandardCharsets.US_ASCII)));
        for (int i = 0; i < 16; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        }
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(decoder.bigBulkCapacity()).as("bytes held after 1 MiB of a 400 MB bulk arrived")
                .isBetween(1024 * 1024, 2 * 1024 * 1024);
        channel.finishAndReleaseAll();

        byte[] value = new byte[5 * 1024 * 1024 + 3];
        new java.util.Random(5).nextBytes(value);
        byte[] request = RespConnection.request("SET".getBytes(), "k".getBytes(), value);
        List<byte[]> reads = new ArrayList<>();
        for (int from = 0; from < request.length; from += 7001) {
            reads.add(java.util.Arrays.copyOfRange(request, from, Math.min(request.length, from + 7001)));
        }
        Command.Set set = (Command.Set) decode(512 * 1024 * 1024, reads.toArray(byte[][]::new)).get(0);
        assertThat(set.value()).isEqualTo(value);
    }

    @Test
    void nothingAfterAProtocolErrorIsDecoded() {
        byte[] bad = "*1\r\n$x\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] good = RespConnection.request("PING");
        assertThat(decode(1024, bad, good)).singleElement()
                .isEqualTo(new Command.Invalid("Protocol error: invalid bulk length", true));
    }

    @Test
    void aLengthLineWithoutItsEndIsRefusedPast64KiB() {
        byte[] endless = ("*1\r\n$" + "1".repeat(64 * 1024 + 10)).getBytes(StandardCharsets.US_ASCII);
        assertThat(decode(1024, endless)).singleElement()
                .isEqualTo(new Command.Invalid("Protocol error: too big bulk count string", true));
    }

    @Test
    void anEmptyKeyIsRefusedWithoutClosingTheConnection() {
        assertThat(decode(1024, RespConnection.request("GET", ""))).singleElement()
                .isEqualTo(new Command.Invalid("invalid key: a key is 1 to 1024 bytes, this one is 0"));
    }

    @Test
    void aRequestWhoseArgumentsTogetherPassTheRequestLimitIsRefused() {
        // 1 MiB bulks: at most 64 MiB per request.
        StringBuilder header = new StringBuilder("*100\r\n$3\r\nSET\r\n");
        List<byte[]> reads = new ArrayList<>();
        reads.add(header.toString().getBytes(StandardCharsets.US_ASCII));
        byte[] bulk = new byte[1024 * 1024];
        for (int i = 0; i < 70; i++) {
            reads.add(("$" + bulk.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            reads.add(bulk);
            reads.add("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(decode(1024 * 1024, reads.toArray(byte[][]::new))).singleElement()
                .isEqualTo(new Command.Invalid("Protocol error: request too large: the arguments of one request may "
                        + "hold at most 67108864 bytes", true));
    }

    /**
     * A server connection's decoder hands requests straight to the connection: every request,
     * in order, across reads, a GET in place while its read lasts, an error that closes the
     * connection too; and nothing goes down the pipeline, where it would be run twice.
     */
    @Test
    void aConnectionsDecoderHandsEveryRequestToItsConnectionInOrderAndNothingDownThePipeline() {
        List<String> received = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(RespRequestDecoder.forConnection(1024,
                command -> received.add(command instanceof GetInPlace get ? "GET " + keyOf(get)
                        : command instanceof Command.Get get ? "GET " + new String(get.key(), StandardCharsets.UTF_8)
                        : command.getClass().getSimpleName())));
        byte[] split = RespConnection.request("GET", "later");
        channel.writeInbound(Unpooled.wrappedBuffer(concat(RespConnection.request("GET", "a"),
                RespConnection.request("SET", "k", "v"), "PING\r\n".getBytes(StandardCharsets.US_ASCII),
                java.util.Arrays.copyOf(split, split.length - 3))));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(java.util.Arrays.copyOfRange(split, split.length - 3,
                split.length), "*x\r\n".getBytes(StandardCharsets.US_ASCII), RespConnection.request("GET", "b"))));

        assertThat(received).containsExactly("GET a", "Set", "Ping", "GET later", "Invalid");
        assertThat((Object) channel.readInbound()).as("a request that went down the pipeline too").isNull();
        channel.finishAndReleaseAll();
    }
}
