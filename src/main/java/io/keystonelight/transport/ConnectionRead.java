package io.keystonelight.transport;

import io.keystonelight.command.Replies;
import io.keystonelight.command.RequestBatch;

/**
 * What one read of a connection brought and where its replies go: the payload of the message that
 * carries a read through the inbound endpoint, the executor and the outbound endpoint. Each
 * connection has one and fills it anew at every read.
 *
 * @param requests the requests read, in order
 * @param replies the connection's replies, which the executor fills in request order and the connection sends
 */
record ConnectionRead(RequestBatch requests, Replies replies) {
}
