package io.keystonelight.store;

/**
 * A write was not made durable and so not applied: the store is exactly as before it.
 */
public class WriteRefusedException extends RuntimeException {

    public WriteRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
