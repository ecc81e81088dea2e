package io.keystonelight.protocol;

import java.util.List;

/**
 * One request of the text protocol, parsed. {@link Invalid} carries a request that could not be
 * parsed, so that it is answered in its place among the replies.
 */
public sealed interface Command {

    record Set(String key, String value) implements Command {
    }

    record Get(String key) implements Command {
    }

    record Delete(List<String> keys) implements Command {
    }

    record Compact() implements Command {
    }

    record Ping() implements Command {
    }

    /**
     * @param error what was wrong and what is expected
     */
    record Invalid(String error) implements Command {
    }
}
