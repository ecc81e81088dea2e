package io.keystonelight.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import io.keystonelight.protocol.Command;

/**
 * The password of {@code keystonelight.server.password}: while one is set, a connection must
 * send {@code auth <password>} before any other request is accepted. Whether it has is state of
 * the connection ({@link RequestReader}), so it ends with the connection.
 */
final class PasswordCheck {

    static final String REQUIRED = "authentication required: send auth <password> first";

    static final String INVALID = "invalid password";

    static final String NONE_SET = "no password is set on this server (keystonelight.server.password), "
            + "so auth is not needed";

    /** The password's digest: comparing digests takes the same time whatever the attempt's length. */
    private final byte[] expected;

    PasswordCheck(String password) {
        this.expected = password == null || password.isEmpty() ? null : digest(password);
    }

    boolean required() {
        return this.expected != null;
    }

    /**
     * What the connection may execute for {@code command}: the command itself, or an error in its
     * place. A correct {@code auth} marks the connection as authenticated.
     */
    Command admit(Command command, RequestReader connection) {
        if (command instanceof Command.Auth auth) {
            if (this.expected == null) {
                return new Command.Invalid(NONE_SET);
            }
            if (!MessageDigest.isEqual(this.expected, digest(auth.password()))) {
                return new Command.Invalid(INVALID);
            }
            connection.authenticated();
            return command;
        }
        if (this.expected == null || connection.isAuthenticated()) {
            return command;
        }
        return new Command.Invalid(REQUIRED);
    }

    private static byte[] digest(String password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every Java runtime has SHA-256", ex);
        }
    }
}
