package io.keystonelight.store;

/** A command met a key that holds another type than the one it works on; worded as Redis words it. */
public final class WrongTypeException extends WriteRejectedException {

    public static final String MESSAGE = "Operation against a key holding the wrong kind of value";

    private final DataType actual;

    /** @param actual what the key holds */
    public WrongTypeException(DataType actual) {
        super(MESSAGE);
        this.actual = actual;
    }

    /** What the key holds. */
    public DataType actual() {
        return this.actual;
    }

    @Override
    public String code() {
        return "WRONGTYPE";
    }
}
