package io.keystonelight.command;

/** A status reply ({@code +text} in RESP) where a plain {@code String} inside an array would be a bulk string. */
public record StatusReply(String text) {
}
