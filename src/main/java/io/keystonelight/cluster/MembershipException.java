package io.keystonelight.cluster;

/** A membership change that was refused or failed, with the HTTP status that says which. */
public class MembershipException extends RuntimeException {

    private final int status;

    public MembershipException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return this.status;
    }
}
