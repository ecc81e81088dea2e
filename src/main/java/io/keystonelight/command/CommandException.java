package io.keystonelight.command;

/**
 * A request that was refused for what it asked: the message says what was wrong and what is
 * expected. Each protocol words it its own way ({@code ERR ...}, {@code -ERR ...}).
 *
 * @see #code() the error's first word in RESP, as Redis spells it
 */
public class CommandException extends RuntimeException {

    private final String code;

    private final String textWording;

    public CommandException(String message) {
        this("ERR", message);
    }

    public CommandException(String code, String message) {
        this(code, message, null);
    }

    /**
     * @param textWording how the text protocol says it, where its wording differs from Redis's
     */
    public CommandException(String code, String message, String textWording) {
        super(message, null, false, false);
        this.code = code;
        this.textWording = textWording;
    }

    /** The message as the text protocol words it. */
    public String textWording() {
        return this.textWording != null ? this.textWording : getMessage();
    }

    /** {@code ERR}, or a code Redis clients look for, such as {@code NOAUTH} or {@code WRONGPASS}. */
    public String code() {
        return this.code;
    }
}
