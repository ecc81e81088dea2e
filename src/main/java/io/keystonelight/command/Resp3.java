package io.keystonelight.command;

import java.util.List;

/**
 * The reply types RESP3 has beyond RESP2's: a command's result wrapped in one of these says how a
 * RESP3 connection gets it. Only {@link Command#resp3(Object)} makes them, so a RESP2 connection
 * never sees one. A null ({@link CommandExecutor#NONE}, {@link CommandExecutor#NULL_ARRAY}) needs
 * no wrapper: RESP3 has one null for both.
 */
public final class Resp3 {

    private Resp3() {
    }

    /** {@code %}: keys and values, one after the other as RESP2's flat array has them. */
    public record MapReply(List<?> flat) {
    }

    /** {@code ~}: members without order or repetition. */
    public record SetReply(List<?> members) {
    }

    /** {@code ,}: a floating point number, in the digits RESP2's bulk string would carry. */
    public record DoubleReply(byte[] digits) {
    }

    /** {@code =}: text for humans, with its format ({@code txt}). */
    public record VerbatimReply(byte[] text) {
    }

    /** {@code >}: out of band data: a pub/sub message or (un)subscribe confirmation. */
    public record PushReply(List<?> parts) {
    }

    /** A pub/sub frame, as RESP2 sends it (an array), that a RESP3 connection gets as a push. */
    public static Object push(Object frame) {
        return frame instanceof List<?> parts ? new PushReply(parts) : frame;
    }

    public static Object map(Object flat) {
        return flat instanceof List<?> list ? new MapReply(list) : flat;
    }

    public static Object set(Object members) {
        return members instanceof List<?> list ? new SetReply(list) : members;
    }

    /** A score's bulk string as a double; a null stays null. */
    public static Object number(Object digits) {
        return digits instanceof byte[] bytes ? new DoubleReply(bytes) : digits;
    }

    public static Object verbatim(Object text) {
        if (text instanceof byte[] bytes) {
            return new VerbatimReply(bytes);
        }
        return text instanceof String string
                ? new VerbatimReply(string.getBytes(java.nio.charset.StandardCharsets.UTF_8)) : text;
    }
}
