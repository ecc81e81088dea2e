package io.keystonelight.command;

import java.util.List;

/**
 * The requests one read of a connection brought, in order: one message through the inbound
 * endpoint however many requests a pipelining client sent at once.
 *
 * @param session the connection's state
 * @param commands the requests, parsed
 */
public record RequestBatch(Session session, List<Command> commands) {
}
