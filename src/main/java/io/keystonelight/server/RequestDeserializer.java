package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import io.keystonelight.protocol.Command;
import io.keystonelight.protocol.CommandParser;

import org.springframework.core.serializer.Deserializer;

/**
 * Frames requests at {@code \n} (dropping a {@code \r} before it, so both {@code nc} and
 * {@code nc -C} work) and parses each into a {@link Command}. A line over the limit becomes an
 * error reply, after which the connection closes. A connection that has not authenticated yet
 * gets only as far as {@link PasswordCheck} lets it.
 */
final class RequestDeserializer implements Deserializer<RequestBatch> {

    /** Bounds the replies a batch holds in memory at once. */
    static final int MAX_BATCH = 64;

    private final int maxLineLength;

    private final PasswordCheck passwordCheck;

    RequestDeserializer(int maxLineLength, PasswordCheck passwordCheck) {
        this.maxLineLength = maxLineLength;
        this.passwordCheck = passwordCheck;
    }

    /**
     * Reads the next request and, behind it, every further whole request already buffered (up
     * to {@link #MAX_BATCH}): a pipelining client's requests then travel through the gateway as
     * one message, and its writes are committed together.
     */
    @Override
    public RequestBatch deserialize(InputStream inputStream) throws IOException {
        RequestReader reader = (RequestReader) inputStream;
        List<Command> batch = new ArrayList<>(4);
        do {
            if (!reader.nextLine(this.maxLineLength)) {
                reader.closeAfterReply();
                batch.add(new Command.Invalid("line too long: a request line may be at most " + this.maxLineLength
                        + " bytes (keystonelight.server.max-line-length); closing the connection"));
                break;
            }
            Command command = CommandParser.parse(reader.lineBuffer(), reader.lineStart(), reader.lineLength());
            batch.add(this.passwordCheck.admit(command, reader));
        }
        while (batch.size() < MAX_BATCH && reader.hasBufferedRequest());
        return new RequestBatch(batch);
    }
}
