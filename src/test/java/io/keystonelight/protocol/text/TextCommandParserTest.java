package io.keystonelight.protocol.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.command.Command;

class TextCommandParserTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Command set(String key, String value) {
        return new Command.Set(utf8(key), utf8(value));
    }

    private static Command get(String key) {
        return new Command.Get(utf8(key));
    }

    private static Command delete(String... keys) {
        return new Command.Delete(java.util.Arrays.stream(keys).map(TextCommandParserTest::utf8).toList());
    }


    private static Command parse(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return TextCommandParser.parse(bytes, 0, bytes.length);
    }

    private static String error(String line) {
        Command command = parse(line);
        assertThat(command).isInstanceOf(Command.Invalid.class);
        return ((Command.Invalid) command).error();
    }

    @Test
    void setTakesEverythingAfterTheKeysSeparatorVerbatim() {
        assertThat(parse("set greeting hello  world | with bars\t and tabs "))
                .usingRecursiveComparison().withStrictTypeChecking().isEqualTo(set("greeting", "hello  world | with bars\t and tabs "));
        assertThat(parse("set\tk\tv")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(set("k", "v"));
    }

    @Test
    void setAcceptsAnEmptyValueAfterTheSeparator() {
        assertThat(parse("set k ")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(set("k", ""));
    }

    @Test
    void setWithoutAValueSaysWhatIsExpected() {
        assertThat(error("set k")).isEqualTo("wrong number of arguments for 'set': expected set <key> <value>");
        assertThat(error("set")).contains("expected set <key> <value>");
    }

    @Test
    void commandWordsAreCaseInsensitive() {
        assertThat(parse("GET k")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(get("k"));
        assertThat(parse("Set k v")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(set("k", "v"));
        assertThat(parse("DeL a")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(delete("a"));
        assertThat(parse("PING")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(new Command.Ping(null));
        assertThat(parse("Compact")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(new Command.Compact());
    }

    @Test
    void keysAreCaseSensitive() {
        assertThat(parse("get Name")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(get("Name"));
    }

    @Test
    void deleteAndItsAliasTakeOneOrMoreKeys() {
        assertThat(parse("delete a b  c")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(delete("a", "b", "c"));
        assertThat(parse("del a")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(delete("a"));
        assertThat(error("delete")).isEqualTo("wrong number of arguments for 'delete': expected delete <key> [<key> ...]");
        assertThat(error("del ")).contains("expected delete <key> [<key> ...]");
    }

    @Test
    void getTakesExactlyOneKey() {
        assertThat(error("get")).isEqualTo("wrong number of arguments for 'get': expected get <key>");
        assertThat(error("get a b")).isEqualTo("wrong number of arguments for 'get': expected get <key>");
        assertThat(parse("get a ")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(get("a"));
    }

    @Test
    void pingAndCompactTakeNoArguments() {
        assertThat(error("ping now")).isEqualTo("wrong number of arguments for 'ping': expected ping with no arguments");
        assertThat(error("compact all")).contains("expected compact with no arguments");
    }

    @Test
    void unknownCommandsAreNamedWithTheListOfKnownOnes() {
        assertThat(error("sett a 1")).isEqualTo(
                "unknown command 'sett'; expected one of: set, get, delete (or del), expire, ttl, persist, compact, ping, quit");
    }

    @Test
    void emptyAndBlankLinesAreErrors() {
        assertThat(error("")).startsWith("empty request; expected a command");
        assertThat(error("   ")).startsWith("empty request");
        assertThat(error(" get a")).contains("starts with its command");
    }

    @Test
    void keysWithABarOrControlCharactersAreRefusedWithTheRule() {
        assertThat(error("set a|b 1")).isEqualTo("invalid key 'a|b': the key contains '|'; a key is 1 to 1024 bytes "
                + "of UTF-8 without whitespace, control characters or '|'");
        assertThat(error("get a\u0001b")).contains("the key contains a control character");
        assertThat(error("del ok bad|key")).contains("invalid key 'bad|key'");
    }

    @Test
    void keysMayBeUpTo1024BytesOfUtf8() {
        String longest = "k".repeat(1024);
        assertThat(parse("get " + longest)).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(get(longest));
        assertThat(error("get " + longest + "k")).contains("the key is 1025 bytes long");
        // 512 two-byte characters are 1024 bytes; one more is too many.
        String wide = "é".repeat(512);
        assertThat(parse("get " + wide)).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(get(wide));
        assertThat(error("get " + wide + "é")).contains("the key is 1026 bytes long");
    }

    @Test
    void unicodeKeysAndValuesRoundTrip() {
        assertThat(parse("set café naïve ☕ 😀")).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(set("café", "naïve ☕ 😀"));
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] bytes = { 's', 'e', 't', ' ', 'k', ' ', (byte) 0xC3, (byte) 0x28 };
        Command command = TextCommandParser.parse(bytes, 0, bytes.length);
        assertThat(command).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(new Command.Invalid("request is not valid UTF-8; requests are UTF-8 text"));
    }

    @Test
    void valuesMayNotHoldCarriageReturnsOrNuls() {
        assertThat(error("set k a\rb")).isEqualTo("invalid value: a value may not contain CR, LF or NUL characters");
        assertThat(error("set k a\0b")).contains("may not contain CR, LF or NUL");
    }

    @Test
    void longEchoedArgumentsAreShortened() {
        assertThat(error("x".repeat(5000))).hasSizeLessThan(200);
    }

    @Test
    void parsesASliceOfALargerBuffer() {
        byte[] buffer = "xxget keyyy".getBytes(StandardCharsets.US_ASCII);
        assertThat(TextCommandParser.parse(buffer, 2, 7)).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(get("key"));
    }

    /**
     * The plain GET and SET read from the network buffer mean exactly what the full parser makes
     * of the same line; every other line is left to the full parser, which words its errors.
     */
    @Test
    void plainGetAndSetFromTheBufferMatchTheFullParser() {
        for (String line : List.of("get k000012345", "GET k", "gEt a:b{c}~", "set k000012345 r000000000012345",
                "SET k v with spaces", "set k !~")) {
            Command plain = plain(line);
            assertThat(plain).as("the plain form of '%s' is read from the buffer", line).isNotNull();
            assertThat(plain).as(line).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(parse(line));
        }
        for (String line : List.of("get", "get ", "get  k", "get k ", "get k v", "get k|x", "set k", "set k ",
                "set  k v", "set k\tv", "set k v\u0001", "set k h\u00e9", "getx k", "ge k", "del k", "sets k v",
                "get " + "k".repeat(1025))) {
            assertThat(plain(line)).as("'%s' goes to the full parser", line).isNull();
        }
    }

    private static Command plain(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        // Offset in a larger buffer, as a line is in the read buffer.
        io.netty.buffer.ByteBuf in = io.netty.buffer.Unpooled.buffer().writeBytes(utf8("xx")).writeBytes(bytes)
                .writeBytes(utf8("\r\nget other\r\n"));
        return TextCommandParser.parsePlain(in, 2, bytes.length);
    }
}
