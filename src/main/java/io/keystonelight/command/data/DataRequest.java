package io.keystonelight.command.data;

import java.util.List;

import io.keystonelight.command.Command;

/** A request for a {@link DataCommand}, its arguments as given (the name first). */
public record DataRequest(DataCommand command, List<byte[]> args) implements Command {

    @Override
    public Kind kind() {
        return this.command.write() ? Kind.WRITE : Kind.READ;
    }

    @Override
    public String toString() {
        return "DataRequest[" + this.command.name() + ", " + this.args.size() + " arguments]";
    }
}
