package io.keystonelight.transport;

/**
 * How large a request may be, for each protocol its own: a text line and a RESP bulk string are
 * limited separately, as Redis limits a bulk by {@code proto-max-bulk-len} alone.
 *
 * @param maxLineLength the longest request line of the text protocol, in bytes
 * @param maxBulkLength the longest bulk string of a RESP request, in bytes
 */
public record RequestLimits(int maxLineLength, int maxBulkLength) {
}
