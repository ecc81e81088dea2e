package io.keystonelight.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.PendingReply;
import io.keystonelight.command.ReplyBatch;
import io.keystonelight.command.RequestBatch;
import io.keystonelight.command.Session;
import io.keystonelight.compaction.CompactionHistory;
import io.keystonelight.protocol.text.TextCommandParser;
import io.keystonelight.protocol.text.TextProtocol;
import io.keystonelight.security.PasswordCheck;
import io.keystonelight.store.KeyValueStore;

/**
 * Runs text-protocol request lines through the parser, the command executor and the text
 * protocol's reply wording, without a socket: what one connection would be answered.
 */
public final class TextRequests {

    private final CommandExecutor executor;

    private final Session session = new Session(Runnable::run, "test");

    private final TextProtocol protocol = new TextProtocol();

    public TextRequests(KeyValueStore store) {
        this(store, null);
    }

    public TextRequests(KeyValueStore store, String password) {
        this.executor = new CommandExecutor(store, new CompactionHistory(store), new PasswordCheck(password), Runnable::run,
                List.of());
    }

    /** The reply lines, without their line ends, to {@code lines} sent together. */
    public List<String> send(String... lines) {
        List<Command> commands = new ArrayList<>();
        for (String line : lines) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            commands.add(TextCommandParser.parse(bytes, 0, bytes.length));
        }
        ReplyBatch replies = this.executor.execute(new RequestBatch(this.session, commands));
        List<String> words = new ArrayList<>();
        for (PendingReply reply : replies.replies()) {
            Object result = null;
            Throwable failure = null;
            try {
                result = reply.result().get(30, TimeUnit.SECONDS);
            }
            catch (java.util.concurrent.ExecutionException ex) {
                failure = ex.getCause();
            }
            catch (Exception ex) {
                throw new AssertionError("no reply to " + reply.command(), ex);
            }
            ByteBuf out = Unpooled.buffer();
            this.protocol.encode(reply, result, failure, out);
            String line = out.toString(StandardCharsets.UTF_8);
            words.add(line.substring(0, line.length() - 2));
        }
        return words;
    }

    /** The reply line to one request. */
    public String send(String line) {
        return send(new String[] { line }).get(0);
    }
}
