package io.keystonelight.command;

import java.util.concurrent.CompletableFuture;

/**
 * The reply to one request, ready now or later. The connection sends replies in request order,
 * each once its result is there, worded by the connection's protocol.
 *
 * @param command what was asked
 * @param result what it gave: completes with the command's result, or exceptionally with why it failed
 */
public record PendingReply(Command command, CompletableFuture<Object> result) {
}
