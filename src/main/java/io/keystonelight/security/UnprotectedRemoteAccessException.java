package io.keystonelight.security;

/**
 * The server was asked to listen on an address other machines can reach, without a password:
 * anyone who can reach it could read and change every key, so it does not start.
 */
public class UnprotectedRemoteAccessException extends RuntimeException {

    public UnprotectedRemoteAccessException(String host) {
        super("refusing to listen on " + host + " without a password: it is not a loopback address, so anyone who "
                + "can reach it could read and change every key");
    }
}
