package io.keystonelight.client;

/**
 * The command line cannot be run as given; the message says what was wrong and what is expected.
 */
class UsageException extends Exception {

    private final boolean showUsage;

    UsageException(String message, boolean showUsage) {
        super(message);
        this.showUsage = showUsage;
    }

    UsageException(String message) {
        this(message, false);
    }

    /** Whether the full usage should follow the message: the user seems not to know the commands. */
    boolean showUsage() {
        return this.showUsage;
    }
}
