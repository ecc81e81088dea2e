package io.keystonelight.store;

/**
 * A write that was not applied because of what it asked, not because of the disk: an
 * increment of a value that is not an integer, say. Nothing was changed and the server goes on
 * accepting writes.
 */
public class WriteRejectedException extends RuntimeException {

    public WriteRejectedException(String message) {
        super(message, null, false, false);
    }
}
