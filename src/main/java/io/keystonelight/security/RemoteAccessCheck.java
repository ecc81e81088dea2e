package io.keystonelight.security;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;

/**
 * Keeps an unprotected server on this machine, as Redis's protected mode does: listening on any
 * address other than loopback needs a password, or an explicit
 * {@code keystonelight.server.allow-unauthenticated-remote=true}.
 */
public final class RemoteAccessCheck {

    private static final Logger log = LoggerFactory.getLogger(RemoteAccessCheck.class);

    private RemoteAccessCheck() {
    }

    /** @throws UnprotectedRemoteAccessException if the endpoint would be open to others without a password */
    public static void check(KeystoneLightProperties.Server server) {
        if (new PasswordCheck(server.password()).required() || !reachableFromOtherMachines(server.host())) {
            return;
        }
        if (!server.allowUnauthenticatedRemote()) {
            throw new UnprotectedRemoteAccessException(server.host());
        }
        log.warn("Listening on {} without a password, as keystonelight.server.allow-unauthenticated-remote allows: "
                + "anyone who can reach this address can read and change every key.", server.host());
    }

    public static boolean reachableFromOtherMachines(String host) {
        try {
            return !InetAddress.getByName(host).isLoopbackAddress();
        }
        catch (UnknownHostException ex) {
            // Binding will fail and say so; nothing to protect.
            return false;
        }
    }
}
