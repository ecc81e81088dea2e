package io.keystonelight.server;

import java.util.List;

import io.keystonelight.protocol.Command;

/**
 * The requests of one connection that were read together: one, or as many as a pipelining
 * client had already sent. They are answered in order.
 */
record RequestBatch(List<Command> commands) {
}
