package io.keystonelight.transport;

import java.util.ArrayList;
import java.util.List;

import io.keystonelight.command.PendingReply;
import io.keystonelight.command.RequestBatch;

/**
 * What one read of a connection brought and what it answers: the payload of the message that
 * carries a read through the inbound endpoint, the executor and the outbound endpoint. Each
 * connection has one and fills it anew at every read.
 *
 * @param requests the requests read, in order
 * @param replies their replies, in the same order, filled by the executor and emptied by the connection
 */
record ConnectionRead(RequestBatch requests, List<PendingReply> replies) {

    ConnectionRead(RequestBatch requests) {
        this(requests, new ArrayList<>());
    }
}
