package io.keystonelight.command;

import java.util.List;

/**
 * The replies to a {@link RequestBatch}, in its order; each may complete later.
 *
 * @param replies one per request
 */
public record ReplyBatch(List<PendingReply> replies) {
}
