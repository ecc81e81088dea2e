package io.keystonelight.command;

import java.util.List;

/**
 * A request, as either protocol's parser produces it. The protocols differ in syntax and in how
 * replies are worded; what a request asks of the server is the same, so it is one of these.
 * Commands that only one protocol has are in its package and implement this interface too.
 */
public interface Command {

    /** How a command runs among the other requests of its connection; see {@link Session}. */
    enum Kind {
        /** Reads or answers at once, in order. */
        READ,
        /** A write to the store: answered once durable; consecutive writes overlap. */
        WRITE,
        /** Takes a while (a compaction): nothing after it runs before it finished. */
        SLOW
    }

    default Kind kind() {
        return Kind.READ;
    }

    /** Whether it may run on a connection that subscribed to a channel or pattern (RESP2's rule). */
    default boolean allowedWhileSubscribed() {
        return false;
    }

    /** What {@code CLIENT REPLY} asks for, if it is one that Redis would take. */
    enum ReplyMode {
        ON, OFF, SKIP
    }

    /** {@code null} unless it is a {@code CLIENT REPLY}. */
    default ReplyMode replyMode() {
        return null;
    }

    /**
     * {@code result} as a RESP3 connection gets it: wrapped in the {@link Resp3} type Redis 7.0 gives
     * this command's reply there (a map, a set, a double, ...). RESP2 words the result as it is.
     */
    default Object resp3(Object result) {
        return result;
    }

    /** Its name as Redis's errors show it, lower case. */
    default String commandName() {
        return getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether it may run before the connection authenticated. */
    default boolean allowedBeforeAuthentication() {
        return false;
    }

    record Get(byte[] key) implements Command, Transactional {

        /** A constant: the default would make a String at every request, for CLIENT LIST's cmd. */
        @Override
        public String commandName() {
            return "get";
        }

        @Override
        public io.keystonelight.store.Write<?> step(long now) {
            return TransactionReads.TX_GET.step(now, List.of(this.key));
        }
    }

    record Set(byte[] key, byte[] value) implements Command, Transactional {

        /** A constant: the default would make a String at every request, for CLIENT LIST's cmd. */
        @Override
        public String commandName() {
            return "set";
        }

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public io.keystonelight.store.Write<?> step(long now) {
            return new io.keystonelight.store.Write.Put(this.key, this.value);
        }

        @Override
        public Object reply(Object result) {
            return CommandExecutor.OK;
        }
    }

    record Delete(List<byte[]> keys) implements Command, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public String commandName() {
            return "del";
        }

        @Override
        public io.keystonelight.store.Write<?> step(long now) {
            return new io.keystonelight.store.Write.Delete(this.keys);
        }
    }

    /** @param message what to echo back, or {@code null} for the plain answer */
    record Ping(byte[] message) implements Command {

        @Override
        public boolean allowedWhileSubscribed() {
            return true;
        }
    }

    record Compact() implements Command {

        @Override
        public Kind kind() {
            return Kind.SLOW;
        }
    }

    /** {@code compact status}: how many compactions started and finished, and how the last ended. */
    record CompactStatus() implements Command {
    }

    /** Answered, then the connection closes. */
    record Quit() implements Command {

        @Override
        public boolean allowedWhileSubscribed() {
            return true;
        }

        @Override
        public boolean allowedBeforeAuthentication() {
            return true;
        }
    }

    /**
     * @param user the user name, or {@code null}: there is only the default user
     * @param password as given
     */
    record Auth(String user, byte[] password) implements Command {

        @Override
        public boolean allowedBeforeAuthentication() {
            return true;
        }

        /** Keeps the password out of logs. */
        @Override
        public String toString() {
            return "Auth[password=(hidden)]";
        }
    }

    /**
     * A request that could not be parsed, answered in its place among the replies.
     * @param error what was wrong and what is expected
     * @param closesConnection whether the connection closes once it is answered (the framing is lost)
     */
    record Invalid(String error, boolean closesConnection) implements Command {

        public Invalid(String error) {
            this(error, false);
        }

        /** Its error is the answer, subscribed or not, as Redis answers an unknown command. */
        @Override
        public boolean allowedWhileSubscribed() {
            return true;
        }

        /** Only when it ends the connection: otherwise a stranger learns nothing, not even what was wrong. */
        @Override
        public boolean allowedBeforeAuthentication() {
            return this.closesConnection;
        }
    }
}
