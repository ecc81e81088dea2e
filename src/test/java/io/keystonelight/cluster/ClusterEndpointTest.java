package io.keystonelight.cluster;

import org.junit.jupiter.api.Test;

import io.keystonelight.security.PasswordCheck;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A membership change through {@code /actuator/cluster} on a server with a password: refused
 * before it reaches the cluster unless it carries the password.
 */
class ClusterEndpointTest {

    /** No node at all: a change that got past the password check would fail on it, not answer 401. */
    private final ClusterEndpoint endpoint = new ClusterEndpoint(null, new PasswordCheck("s3cret"));

    @Test
    void aChangeWithoutThePasswordIsRefusedNamingWhatItMustCarry() {
        var answer = this.endpoint.change("add", "n4", "127.0.0.1:9000", null);
        assertThat(answer.getStatus()).isEqualTo(401);
        assertThat(answer.getBody().get("error").toString()).startsWith("no password: this server has a password")
                .contains("\"password\"");
    }

    @Test
    void aChangeWithAWrongPasswordIsRefused() {
        var answer = this.endpoint.change("remove", "n2", null, "guess");
        assertThat(answer.getStatus()).isEqualTo(401);
        assertThat(answer.getBody().get("error").toString()).startsWith("wrong password");
    }

    @Test
    void theRightPasswordLetsTheChangeThrough() {
        // Past the check the endpoint asks the node, which this test does not have.
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> this.endpoint.change("transfer", "n2", null, "s3cret"));
    }
}
