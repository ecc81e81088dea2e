package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;

import io.keystonelight.protocol.Command;
import io.keystonelight.protocol.CommandParser;

import org.springframework.core.serializer.Deserializer;

/**
 * Frames requests at {@code \n} (dropping a {@code \r} before it, so both {@code nc} and
 * {@code nc -C} work) and parses each into a {@link Command}. A line over the limit becomes an
 * error reply, after which the connection closes.
 */
final class RequestDeserializer implements Deserializer<Command> {

    private final int maxLineLength;

    RequestDeserializer(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    @Override
    public Command deserialize(InputStream inputStream) throws IOException {
        RequestReader reader = (RequestReader) inputStream;
        if (!reader.nextLine(this.maxLineLength)) {
            reader.closeAfterReply();
            return new Command.Invalid("line too long: a request line may be at most " + this.maxLineLength
                    + " bytes (keystonelight.server.max-line-length); closing the connection");
        }
        return CommandParser.parse(reader.lineBuffer(), reader.lineStart(), reader.lineLength());
    }
}
