package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;

import io.keystonelight.protocol.Command;
import io.keystonelight.protocol.CommandParser;

import org.springframework.core.serializer.Deserializer;

/**
 * Frames requests at {@code \n} (dropping a {@code \r} before it, so both {@code nc} and
 * {@code nc -C} work) and parses each into a {@link Command}. A line over the limit becomes an
 * error reply, after which the connection closes. A connection that has not authenticated yet
 * gets only as far as {@link PasswordCheck} lets it.
 */
final class RequestDeserializer implements Deserializer<Command> {

    private final int maxLineLength;

    private final PasswordCheck passwordCheck;

    RequestDeserializer(int maxLineLength, PasswordCheck passwordCheck) {
        this.maxLineLength = maxLineLength;
        this.passwordCheck = passwordCheck;
    }

    @Override
    public Command deserialize(InputStream inputStream) throws IOException {
        RequestReader reader = (RequestReader) inputStream;
        if (!reader.nextLine(this.maxLineLength)) {
            reader.closeAfterReply();
            return new Command.Invalid("line too long: a request line may be at most " + this.maxLineLength
                    + " bytes (keystonelight.server.max-line-length); closing the connection");
        }
        Command command = CommandParser.parse(reader.lineBuffer(), reader.lineStart(), reader.lineLength());
        return this.passwordCheck.admit(command, reader);
    }
}
