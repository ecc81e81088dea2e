package io.keystonelight.lifecycle;

import java.util.List;

/**
 * A {@code keystonelight.*} setting that the server does not have, probably misspelt.
 */
public class UnknownSettingException extends RuntimeException {

    private final String nearest;

    private final List<String> known;

    UnknownSettingException(String name, String where, String nearest, List<String> known) {
        super("unknown setting " + where
                + (nearest == null ? "" : "; did you mean " + nearest + "?"));
        this.nearest = nearest;
        this.known = List.copyOf(known);
    }

    /** The real setting nearest to the unknown one, or {@code null}. */
    public String nearest() {
        return this.nearest;
    }

    /** Every setting there is. */
    public List<String> known() {
        return this.known;
    }
}
