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

    /** {@code compact status}: how many compactions started and finished, and how the last ended. */
    record CompactStatus() implements Command {
    }

    record Ping() implements Command {
    }

    /**
     * @param password everything after the one space or tab that follows {@code auth}, verbatim
     */
    record Auth(String password) implements Command {

        /** Keeps the password out of logs. */
        @Override
        public String toString() {
            return "Auth[password=(hidden)]";
        }
    }

    /**
     * @param error what was wrong and what is expected
     */
    record Invalid(String error) implements Command {
    }
}
