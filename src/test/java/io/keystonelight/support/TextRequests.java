package io.keystonelight.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 *
 * <p>The session lives on one thread of its own, as it does on a connection's event loop: its
 * requests are submitted there and its completions come back there. A session on the caller's
 * thread, with completions run on whichever thread finished the write, would be used from two
 * threads at once, which no connection ever does.
 */
public final class TextRequests implements AutoCloseable {

    private final CommandExecutor executor;

    private final ExecutorService eventLoop = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "text-requests-event-loop");
        thread.setDaemon(true);
        return thread;
    });

    private final ExecutorService slowCommands = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "text-requests-slow-command");
        thread.setDaemon(true);
        return thread;
    });

    private final Session session = new Session(this.eventLoop, "test");

    private final TextProtocol protocol = new TextProtocol();

    public TextRequests(KeyValueStore store) {
        this(store, null);
    }

    public TextRequests(KeyValueStore store, String password) {
        this.executor = new CommandExecutor(store, new CompactionHistory(store), new PasswordCheck(password),
                this.slowCommands, List.of());
    }

    /** The reply lines, without their line ends, to {@code lines} sent together. */
    public List<String> send(String... lines) {
        List<Command> commands = new ArrayList<>();
        for (String line : lines) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            commands.add(TextCommandParser.parse(bytes, 0, bytes.length));
        }
        ReplyBatch replies = onTheEventLoop(() -> this.executor.execute(new RequestBatch(this.session, commands)));
        List<String> words = new ArrayList<>();
        for (PendingReply reply : replies.replies()) {
            Object result = null;
            Throwable failure = null;
            try {
                result = reply.result().get(30, TimeUnit.SECONDS);
            }
            catch (ExecutionException ex) {
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

    private <T> T onTheEventLoop(Callable<T> work) {
        try {
            return this.eventLoop.submit(work).get(30, TimeUnit.SECONDS);
        }
        catch (ExecutionException ex) {
            throw new AssertionError("the request batch failed on the event loop", ex.getCause());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
        catch (TimeoutException ex) {
            throw new AssertionError("the event loop did not take the request batch within 30 s", ex);
        }
    }

    @Override
    public void close() {
        this.eventLoop.shutdownNow();
        this.slowCommands.shutdownNow();
    }
}
