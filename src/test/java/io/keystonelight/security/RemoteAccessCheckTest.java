package io.keystonelight.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.keystonelight.config.KeystoneLightProperties;

import org.springframework.util.unit.DataSize;

/**
 * Without a password the server stays on loopback unless told otherwise (Redis's protected mode).
 */
class RemoteAccessCheckTest {

    private static KeystoneLightProperties.Server server(String host, String password, boolean allowRemote) {
        return new KeystoneLightProperties.Server(host, 0, 4, DataSize.ofMegabytes(1), 1000, password, allowRemote,
                Duration.ofSeconds(10), Duration.ZERO, DataSize.ofMegabytes(512));
    }

    @Test
    void loopbackAddressesNeedNoPassword() {
        for (String host : new String[] { "127.0.0.1", "localhost", "::1", "127.0.0.2" }) {
            assertThatCode(() -> RemoteAccessCheck.check(server(host, null, false))).as(host)
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void anyOtherAddressWithoutAPasswordIsRefusedUnlessAllowed() {
        for (String host : new String[] { "0.0.0.0", "::", "192.0.2.10" }) {
            assertThatThrownBy(() -> RemoteAccessCheck.check(server(host, null, false))).as(host)
                    .isInstanceOf(UnprotectedRemoteAccessException.class)
                    .hasMessage("refusing to listen on " + host + " without a password: it is not a loopback "
                            + "address, so anyone who can reach it could read and change every key");
            assertThatThrownBy(() -> RemoteAccessCheck.check(server(host, "", false))).as("an empty password")
                    .isInstanceOf(UnprotectedRemoteAccessException.class);
            assertThatCode(() -> RemoteAccessCheck.check(server(host, "s3cret", false))).as(host + " with a password")
                    .doesNotThrowAnyException();
            assertThatCode(() -> RemoteAccessCheck.check(server(host, null, true))).as(host + " allowed")
                    .doesNotThrowAnyException();
        }
    }
}
