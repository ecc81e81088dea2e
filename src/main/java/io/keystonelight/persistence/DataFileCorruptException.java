package io.keystonelight.persistence;

import java.nio.file.Path;

/**
 * The data file holds a malformed record that is not a torn write at its end, so replaying it
 * could silently lose or invent data. The server refuses to start rather than guess.
 */
public class DataFileCorruptException extends RuntimeException {

    private final Path file;

    private final long lineNumber;

    private final long byteOffset;

    private final String problem;

    public DataFileCorruptException(Path file, long lineNumber, long byteOffset, String problem) {
        super("data file " + file + " is damaged at line " + lineNumber + " (byte offset " + byteOffset + "): "
                + problem + "; the server does not start on a damaged file");
        this.file = file;
        this.lineNumber = lineNumber;
        this.byteOffset = byteOffset;
        this.problem = problem;
    }

    public Path file() {
        return this.file;
    }

    public long lineNumber() {
        return this.lineNumber;
    }

    public long byteOffset() {
        return this.byteOffset;
    }

    /** What is wrong with the line. */
    public String problem() {
        return this.problem;
    }
}
