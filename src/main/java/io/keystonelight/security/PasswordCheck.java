package io.keystonelight.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The password of {@code keystonelight.server.password}: while one is set, a connection must
 * authenticate before any other request is accepted. Whether it has is state of the connection,
 * so it ends with the connection.
 */
public final class PasswordCheck {

    /** The password's digest: comparing digests takes the same time whatever the attempt's length. */
    private final byte[] expected;

    public PasswordCheck(String password) {
        this.expected = password == null || password.isEmpty() ? null : digest(password.getBytes(StandardCharsets.UTF_8));
    }

    public boolean required() {
        return this.expected != null;
    }

    /** Whether {@code attempt} is the password; always false when none is set. */
    public boolean matches(byte[] attempt) {
        return this.expected != null && MessageDigest.isEqual(this.expected, digest(attempt));
    }

    private static byte[] digest(byte[] password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every Java runtime has SHA-256", ex);
        }
    }
}
