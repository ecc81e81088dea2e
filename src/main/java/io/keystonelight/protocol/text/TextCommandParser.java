package io.keystonelight.protocol.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.netty.buffer.ByteBuf;

import io.keystonelight.command.Command;
import io.keystonelight.command.GetInPlace;
import io.keystonelight.command.data.DataCommand;
import io.keystonelight.command.data.DataRequest;
import io.keystonelight.store.Keys;

/**
 * Turns one request line of the text protocol (without its line ending) into a {@link Command}.
 * The only place that knows the text protocol's request syntax.
 */
public final class TextCommandParser {

    static final String COMMANDS = "set, get, delete (or del), expire, ttl, persist, compact, ping, quit";

    private TextCommandParser() {
    }

    /**
     * {@code get <key>} and {@code set <key> <value>} in their plain form (printable ASCII, one
     * space between words), read straight from the network buffer: no line, word or key String is
     * made, only the key and value a command keeps. Anything else, valid or not, gives
     * {@code null} and goes through {@link #parse(byte[], int, int)}, which words every error.
     */
    public static Command parsePlain(ByteBuf in, int start, int length) {
        return parsePlain(in, start, length, null);
    }

    /**
     * As {@link #parsePlain(ByteBuf, int, int)}, a plain GET taken from {@code gets} (its key copied
     * into an array the connection reuses) rather than made, when {@code gets} is not {@code null}.
     */
    public static Command parsePlain(ByteBuf in, int start, int length, GetInPlace.Pool gets) {
        if (length < 5 || in.getByte(start + 3) != ' ') {
            return null;
        }
        int name = (in.getByte(start) | 0x20) << 16 | (in.getByte(start + 1) | 0x20) << 8 | (in.getByte(start + 2) | 0x20);
        boolean get = name == ('g' << 16 | 'e' << 8 | 't');
        if (!get && name != ('s' << 16 | 'e' << 8 | 't')) {
            return null;
        }
        int keyStart = start + 4;
        int end = start + length;
        int keyEnd = keyStart;
        while (keyEnd < end && isKeyByte(in.getByte(keyEnd))) {
            keyEnd++;
        }
        if (keyEnd == keyStart || keyEnd - keyStart > Keys.MAX_KEY_BYTES) {
            return null;
        }
        if (get) {
            if (keyEnd != end) {
                return null;
            }
            if (gets == null) {
                return new Command.Get(bytes(in, keyStart, keyEnd));
            }
            GetInPlace inPlace = gets.take(keyEnd - keyStart);
            in.getBytes(keyStart, inPlace.keyBytes(), 0, keyEnd - keyStart);
            return inPlace;
        }
        int valueStart = keyEnd + 1;
        if (valueStart >= end || in.getByte(keyEnd) != ' ') {
            return null;
        }
        for (int i = valueStart; i < end; i++) {
            byte b = in.getByte(i);
            if (b < 0x20 || b > 0x7e) {
                return null;
            }
        }
        return new Command.Set(bytes(in, keyStart, keyEnd), bytes(in, valueStart, end));
    }

    /** Printable ASCII other than space and '|', which every key may hold. */
    private static boolean isKeyByte(byte b) {
        return b > 0x20 && b < 0x7f && b != '|';
    }

    private static byte[] bytes(ByteBuf in, int from, int to) {
        byte[] bytes = new byte[to - from];
        in.getBytes(from, bytes);
        return bytes;
    }

    public static Command parse(byte[] line, int offset, int length) {
        String text;
        if (isAscii(line, offset, length)) {
            text = new String(line, offset, length, StandardCharsets.ISO_8859_1);
        }
        else {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
            try {
                CharBuffer chars = decoder.decode(ByteBuffer.wrap(line, offset, length));
                text = chars.toString();
            }
            catch (CharacterCodingException ex) {
                return new Command.Invalid("request is not valid UTF-8; requests are UTF-8 text");
            }
        }
        return parse(text);
    }

    public static Command parse(String line) {
        int wordEnd = nextSeparator(line, 0);
        String word = line.substring(0, wordEnd);
        if (word.isEmpty()) {
            return new Command.Invalid(line.isBlank() ? "empty request; expected a command: " + COMMANDS
                    : "a request starts with its command, not with a space; expected one of: " + COMMANDS);
        }
        int argsStart = skipSeparators(line, wordEnd);
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "set" -> parseSet(line, argsStart);
            case "get" -> parseGet(line, argsStart);
            case "delete", "del" -> parseDelete(word, line, argsStart);
            case "compact" -> parseCompact(line, argsStart);
            case "ping" -> noArguments("ping", line, argsStart, new Command.Ping(null));
            case "quit" -> noArguments("quit", line, argsStart, new Command.Quit());
            case "auth" -> parseAuth(line, wordEnd);
            case "expire" -> parseExpire(line, argsStart);
            case "ttl" -> parseKeyOnly("ttl", TextDataCommands.TTL, line, argsStart);
            case "persist" -> parseKeyOnly("persist", TextDataCommands.PERSIST, line, argsStart);
            default -> new Command.Invalid("unknown command '" + shorten(word) + "'; expected one of: " + COMMANDS);
        };
    }

    private static Command parseSet(String line, int keyStart) {
        int keyEnd = nextSeparator(line, keyStart);
        if (keyStart == keyEnd || keyEnd == line.length()) {
            return new Command.Invalid("wrong number of arguments for 'set': expected set <key> <value>");
        }
        String key = line.substring(keyStart, keyEnd);
        String problem = Keys.problemWithKey(key);
        if (problem != null) {
            return invalidKey(key, problem);
        }
        // The value is everything after the one separator that ends the key, verbatim.
        String value = line.substring(keyEnd + 1);
        String valueProblem = Keys.problemWithValue(value);
        if (valueProblem != null) {
            return new Command.Invalid("invalid value: " + valueProblem);
        }
        return new Command.Set(utf8(key), utf8(value));
    }

    /** {@code compact} compacts; {@code compact status} says how compactions went. */
    private static Command parseCompact(String line, int argsStart) {
        List<String> args = words(line, argsStart);
        if (args.isEmpty()) {
            return new Command.Compact();
        }
        if (args.size() == 1 && args.get(0).equalsIgnoreCase("status")) {
            return new Command.CompactStatus();
        }
        return new Command.Invalid("wrong number of arguments for 'compact': expected compact with no arguments, "
                + "or compact status");
    }

    private static Command parseAuth(String line, int wordEnd) {
        if (wordEnd == line.length() || wordEnd + 1 == line.length()) {
            return new Command.Invalid("wrong number of arguments for 'auth': expected auth <password>");
        }
        // As a value of set: the password may hold spaces, so it is the rest of the line verbatim.
        return new Command.Auth(null, utf8(line.substring(wordEnd + 1)));
    }

    private static Command parseExpire(String line, int keyStart) {
        List<String> args = words(line, keyStart);
        if (args.size() != 2) {
            return new Command.Invalid("wrong number of arguments for 'expire': expected expire <key> <seconds>");
        }
        String key = args.get(0);
        String problem = Keys.problemWithKey(key);
        if (problem != null) {
            return invalidKey(key, problem);
        }
        if (!args.get(1).matches("-?[0-9]{1,18}")) {
            return new Command.Invalid("invalid seconds '" + shorten(args.get(1)) + "': expected expire <key> "
                    + "<seconds>, a whole number (0 or less deletes the key)");
        }
        return new DataRequest(TextDataCommands.EXPIRE, List.of(utf8("expire"), utf8(key), utf8(args.get(1))));
    }

    private static Command parseKeyOnly(String name, DataCommand command, String line, int keyStart) {
        List<String> args = words(line, keyStart);
        if (args.size() != 1) {
            return new Command.Invalid("wrong number of arguments for '" + name + "': expected " + name + " <key>");
        }
        String key = args.get(0);
        String problem = Keys.problemWithKey(key);
        return problem == null ? new DataRequest(command, List.of(utf8(name), utf8(key))) : invalidKey(key, problem);
    }

    private static Command parseGet(String line, int keyStart) {
        List<String> args = words(line, keyStart);
        if (args.size() != 1) {
            return new Command.Invalid("wrong number of arguments for 'get': expected get <key>");
        }
        String key = args.get(0);
        String problem = Keys.problemWithKey(key);
        return problem == null ? new Command.Get(utf8(key)) : invalidKey(key, problem);
    }

    private static Command parseDelete(String word, String line, int keysStart) {
        List<String> keys = words(line, keysStart);
        if (keys.isEmpty()) {
            return new Command.Invalid("wrong number of arguments for '" + word.toLowerCase(Locale.ROOT)
                    + "': expected delete <key> [<key> ...]");
        }
        for (String key : keys) {
            String problem = Keys.problemWithKey(key);
            if (problem != null) {
                return invalidKey(key, problem);
            }
        }
        List<byte[]> bytes = new ArrayList<>(keys.size());
        for (String key : keys) {
            bytes.add(utf8(key));
        }
        return new Command.Delete(bytes);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Command noArguments(String name, String line, int argsStart, Command command) {
        if (argsStart < line.length()) {
            return new Command.Invalid("wrong number of arguments for '" + name + "': expected " + name
                    + " with no arguments");
        }
        return command;
    }

    private static Command invalidKey(String key, String problem) {
        return new Command.Invalid("invalid key '" + shorten(key) + "': " + problem + "; " + Keys.KEY_RULE);
    }

    private static List<String> words(String line, int from) {
        List<String> words = new ArrayList<>(2);
        int start = skipSeparators(line, from);
        while (start < line.length()) {
            int end = nextSeparator(line, start);
            words.add(line.substring(start, end));
            start = skipSeparators(line, end);
        }
        return words;
    }

    private static int nextSeparator(String line, int from) {
        int i = from;
        while (i < line.length() && !isSeparator(line.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipSeparators(String line, int from) {
        int i = from;
        while (i < line.length() && isSeparator(line.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isSeparator(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isAscii(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Keeps an echoed argument short enough to read in an error line. */
    private static String shorten(String text) {
        StringBuilder shown = new StringBuilder();
        int limit = Math.min(text.length(), 64);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            shown.append(Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > limit) {
            shown.append("...");
        }
        return shown.toString();
    }
}
