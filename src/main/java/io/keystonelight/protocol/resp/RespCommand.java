package io.keystonelight.protocol.resp;

import java.util.List;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.Resp3;
import io.keystonelight.command.TransactionReads;
import io.keystonelight.command.Transactional;
import io.keystonelight.store.Write;

/**
 * The requests only RESP has. Those both protocols share ({@code GET}, a plain {@code SET},
 * {@code DEL}, {@code PING}, {@code QUIT}, {@code AUTH}) are {@link Command}'s own records.
 */
sealed interface RespCommand extends Command {

    // ---- string commands (StringCommands)

    /** {@code SET key value [NX|XX] [GET]}, when it has options. */
    record SetWithOptions(byte[] key, byte[] value, Write.Condition condition, boolean returnPrevious)
            implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public String commandName() {
            return "set";
        }

        @Override
        public Write<?> step(long now) {
            return new Write.Put(this.key, this.value, this.condition, this.returnPrevious);
        }

        @Override
        public Object reply(Object result) {
            Write.PutResult put = (Write.PutResult) result;
            if (this.returnPrevious) {
                return Reads.valueOrNone(put.previous());
            }
            return put.applied() ? CommandExecutor.OK : CommandExecutor.NONE;
        }
    }

    record SetIfAbsent(byte[] key, byte[] value) implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public String commandName() {
            return "setnx";
        }

        @Override
        public Write<?> step(long now) {
            return new Write.Put(this.key, this.value, Write.Condition.IF_ABSENT, false);
        }

        @Override
        public Object reply(Object result) {
            return ((Write.PutResult) result).applied() ? 1L : 0L;
        }
    }

    record GetDel(byte[] key) implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public Write<?> step(long now) {
            return new Write.GetAndDelete(this.key);
        }

        @Override
        public Object reply(Object result) {
            return Reads.valueOrNone((byte[]) result);
        }
    }

    record MultiGet(List<byte[]> keys) implements RespCommand, Transactional {

        @Override
        public String commandName() {
            return "mget";
        }

        @Override
        public Write<?> step(long now) {
            return TransactionReads.TX_MGET.step(now, this.keys);
        }
    }

    record MultiSet(List<byte[]> keys, List<byte[]> values) implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public String commandName() {
            return "mset";
        }

        @Override
        public Write<?> step(long now) {
            return new Write.PutAll(this.keys, this.values, false);
        }

        @Override
        public Object reply(Object result) {
            return CommandExecutor.OK;
        }
    }

    /** INCR, DECR, INCRBY, DECRBY. */
    record IncrementBy(byte[] key, long delta) implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public String commandName() {
            return "incrby";
        }

        @Override
        public Write<?> step(long now) {
            return new Write.Increment(this.key, this.delta);
        }
    }

    record Append(byte[] key, byte[] suffix) implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public Write<?> step(long now) {
            return new Write.Append(this.key, this.suffix);
        }
    }

    record StrLen(byte[] key) implements RespCommand, Transactional {

        @Override
        public Write<?> step(long now) {
            return TransactionReads.TX_STRLEN.step(now, List.of(this.key));
        }
    }

    // ---- key commands (KeyCommands)

    record Exists(List<byte[]> keys) implements RespCommand, Transactional {

        @Override
        public Write<?> step(long now) {
            return TransactionReads.TX_EXISTS.step(now, this.keys);
        }
    }

    record Type(byte[] key) implements RespCommand {
    }

    record DbSize() implements RespCommand, Transactional {

        @Override
        public Write<?> step(long now) {
            return TransactionReads.TX_DBSIZE.step(now, List.of());
        }
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
    record FlushDb() implements RespCommand, Transactional {

        @Override
        public Kind kind() {
            return Kind.WRITE;
        }

        @Override
        public String commandName() {
            return "flushdb";
        }

        @Override
        public Write<?> step(long now) {
            return new Write.Clear();
        }

        @Override
        public Object reply(Object result) {
            return CommandExecutor.OK;
        }
    }

    // ---- server commands (ServerCommands)

    /** {@code INFO [section ...]}: the sections asked for, lower case; none, the default ones. */
    record Info(java.util.Set<String> sections) implements RespCommand {

        @Override
        public Object resp3(Object result) {
            return Resp3.verbatim(result);
        }
    }

    /** {@code COMMAND}, {@code COMMAND COUNT}, {@code COMMAND DOCS}. */
    record CommandInfo(String subcommand) implements RespCommand {

        /** DOCS is a map; in each command's array its flags, ACL categories and tips are sets. */
        @Override
        public Object resp3(Object result) {
            return switch (this.subcommand) {
                case "count" -> result;
                case "docs" -> Resp3.map(result);
                default -> CommandTable.resp3((List<?>) result);
            };
        }
    }

    /** {@code CONFIG GET|SET|RESETSTAT|REWRITE|HELP}; {@code arguments} are those after the subcommand. */
    record Config(String subcommand, List<byte[]> arguments) implements RespCommand {

        /** CONFIG GET's names and values are a map in RESP3; the other subcommands keep their types. */
        @Override
        public Object resp3(Object result) {
            return "get".equals(this.subcommand) ? Resp3.map(result) : result;
        }

        @Override
        public String commandName() {
            return "config|" + this.subcommand;
        }
    }

    record BackgroundRewrite() implements RespCommand {
    }

    /** {@code TIME}: the server's clock, seconds and microseconds. */
    record Time() implements RespCommand {
    }

    /** {@code LASTSAVE}: when the data file was last compacted, or when the server started. */
    record LastSave() implements RespCommand {
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
        public Object resp3(Object result) {
            return Resp3.map(result);
        }

        @Override
        public boolean allowedBeforeAuthentication() {
            return true;
        }

        @Override
        public String toString() {
            return "Hello[protocolVersion=" + this.protocolVersion + "]";
        }
    }

    /** {@code CLIENT SETNAME|GETNAME|SETINFO|ID|LIST|INFO|KILL|NO-EVICT|REPLY ...}; the subcommand in lower case. */
    record Client(String subcommand, List<byte[]> arguments) implements RespCommand {

        @Override
        public Object resp3(Object result) {
            return this.subcommand.equals("list") || this.subcommand.equals("info") ? Resp3.verbatim(result) : result;
        }

        @Override
        public String commandName() {
            return "client|" + this.subcommand;
        }

        @Override
        public ReplyMode replyMode() {
            if (!this.subcommand.equals("reply")) {
                return null;
            }
            return ReplyMode.valueOf(RespCommandParser.lowerAscii(this.arguments.get(0)).toUpperCase(
                    java.util.Locale.ROOT));
        }
    }

    // ---- pub/sub (PubSubCommands)

    /** SUBSCRIBE and PSUBSCRIBE. */
    record Subscribe(List<byte[]> names, boolean pattern) implements RespCommand {

        @Override
        public Object resp3(Object result) {
            return PubSubCommands.pushes(result);
        }

        @Override
        public boolean allowedWhileSubscribed() {
            return true;
        }
    }

    /** UNSUBSCRIBE and PUNSUBSCRIBE; no names: all of them. */
    record Unsubscribe(List<byte[]> names, boolean pattern) implements RespCommand {

        @Override
        public Object resp3(Object result) {
            return PubSubCommands.pushes(result);
        }

        @Override
        public boolean allowedWhileSubscribed() {
            return true;
        }
    }

    record Publish(byte[] channel, byte[] message) implements RespCommand {
    }

    /** {@code PUBSUB CHANNELS|NUMSUB|NUMPAT}, the subcommand in lower case. */
    record PubSubInfo(String subcommand, List<byte[]> arguments) implements RespCommand {

        @Override
        public String commandName() {
            return "pubsub";
        }
    }

    /** A request refused before it ran, with an error code other than {@code ERR}. */
    record Refused(String code, String message) implements RespCommand {
    }
}
