package io.keystonelight.support;

import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs of the machine (root, FUSE, gcc, Redis, ...). Where it is missing the test
 * is skipped and says why; but CI ({@code CI=true}) installs all of it, so there a missing piece
 * fails the test: a CI run that lost a package must not pass green with the tests that need it
 * quietly left out.
 */
public final class Needs {

    private Needs() {
    }

    /** Goes on where {@code available}; else skips the test, or under {@code CI=true} fails it. */
    public static void require(boolean available, Supplier<String> whyNot) {
        if (available) {
            return;
        }
        String why = whyNot.get();
        if (underCi()) {
            throw new AssertionError("CI=true, where everything the tests need is installed, but this test "
                    + "cannot run: " + why);
        }
        System.out.println("skipped: " + why);
        Assumptions.abort(why);
    }

    public static void require(boolean available, String whyNot) {
        require(available, () -> whyNot);
    }

    static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
