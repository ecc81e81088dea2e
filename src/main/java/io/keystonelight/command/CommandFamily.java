package io.keystonelight.command;

import java.util.concurrent.CompletableFuture;

/**
 * Executes a family of commands beyond the shared ones (for example RESP's string commands or
 * its server commands), as jedis-mock keeps one class per family. Beans of this type are asked in
 * order; the first that {@link #handles} a command runs it.
 */
public interface CommandFamily {

    boolean handles(Command command);

    /**
     * Runs {@code command} on the connection's event loop: answer at once, or return a future
     * that completes later; never block.
     */
    CompletableFuture<Object> execute(Session session, Command command);
}
