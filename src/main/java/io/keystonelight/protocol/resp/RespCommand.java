package io.keystonelight.protocol.resp;

import java.util.List;

import io.keystonelight.command.Command;
import io.keystonelight.store.Write;

/**
 * The requests only RESP has. Those both protocols share ({@code GET}, a plain {@code SET},
 * {@code DEL}, {@code PING}, {@code QUIT}, {@code AUTH}) are {@link Command}'s own records.
 */
sealed interface RespCommand extends Command {

    // ---- string commands (StringCommands)

    /** {@code SET key value [NX|XX] [GET]}, when it has options. */
    record SetWithOptions(byte[] key, byte[] value, Write.Condition condition, boolean returnPrevious)
            implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    record SetIfAbsent(byte[] key, byte[] value) implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    record GetDel(byte[] key) implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    record MultiGet(List<byte[]> keys) implements RespCommand {
    }

    record MultiSet(List<byte[]> keys, List<byte[]> values) implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    /** INCR, DECR, INCRBY, DECRBY. */
    record IncrementBy(byte[] key, long delta) implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    record Append(byte[] key, byte[] suffix) implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    record StrLen(byte[] key) implements RespCommand {
    }

    // ---- key commands (KeyCommands)

    record Exists(List<byte[]> keys) implements RespCommand {
    }

    record Type(byte[] key) implements RespCommand {
    }

    record DbSize() implements RespCommand {
    }

    record Keys(byte[] pattern) implements RespCommand {
    }

    /**
     * @param pattern the MATCH pattern, or {@code null}
     * @param type the TYPE asked for, lower case, or {@code null}
     */
    record Scan(long cursor, byte[] pattern, int count, String type) implements RespCommand {
    }

    /** FLUSHDB and FLUSHALL. */
    record FlushDb() implements RespCommand {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }
    }

    // ---- server commands (ServerCommands)

    /** @param section lower case, or {@code null} for the default sections */
    record Info(String section) implements RespCommand {
    }

    /** {@code COMMAND}, {@code COMMAND COUNT}, {@code COMMAND DOCS}. */
    record CommandInfo(String subcommand) implements RespCommand {
    }

    record ConfigGet(List<byte[]> patterns) implements RespCommand {
    }

    record BackgroundRewrite() implements RespCommand {
    }

    // ---- connection commands (ConnectionCommands)

    record Echo(byte[] message) implements RespCommand {
    }

    record Select(long index) implements RespCommand {
    }

    /**
     * {@code HELLO [protover [AUTH user pass] [SETNAME name]]}.
     * @param protocolVersion 0 when none was given
     */
    record Hello(long protocolVersion, String user, byte[] password, byte[] clientName) implements RespCommand {

        @Override
        public boolean allowedBeforeAuthentication() {
            return true;
        }

        @Override
        public String toString() {
            return "Hello[protocolVersion=" + this.protocolVersion + "]";
        }
    }

    /** {@code CLIENT SETNAME|GETNAME|SETINFO|ID ...}; the subcommand in lower case. */
    record Client(String subcommand, List<byte[]> arguments) implements RespCommand {
    }

    /** A request refused before it ran, with an error code other than {@code ERR}. */
    record Refused(String code, String message) implements RespCommand {
    }
}
