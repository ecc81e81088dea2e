package io.keystonelight.persistence;

/**
 * A record could not be made durable: the caller must treat the write as not having happened.
 */
public class DataFileException extends RuntimeException {

    public DataFileException(String message) {
        super(message);
    }

    public DataFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
