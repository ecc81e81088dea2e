package io.keystonelight.store;

/**
 * A write that was not applied because of what it asked, not because of the disk: an
 * increment of a value that is not an integer, say. Nothing was changed and the server goes on
 * accepting writes. Also thrown by reads that ask what cannot be answered (the wrong type).
 */
public class WriteRejectedException extends RuntimeException {

    public WriteRejectedException(String message) {
        super(message, null, false, false);
    }

    /** The error's first word in RESP, as Redis spells it. */
    public String code() {
        return "ERR";
    }
}
