package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code keystonelight.server.password} set, each connection must send {@code auth} first.
 */
class AuthenticationTest extends ServerInThisJvm {

    private static final String REQUIRED = "ERR authentication required: send auth <password> first";

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("keystonelight.server.password", () -> "correct horse");
    }

    @Test
    void beforeAuthEveryRequestIsRefusedAndChangesNothing() {
        try (LineClient client = LineClient.connect(this.port)) {
            for (String request : List.of("ping", "get a", "set auth:before 1", "del a", "compact", "", "nonsense",
                    "auth", "AUTHX correct horse")) {
                assertThat(client.call(request)).as(request).isEqualTo(REQUIRED);
            }
        }
        assertThat(this.store.get("auth:before")).isNull();
    }

    @Test
    void aWrongPasswordIsRefusedAndTheRightOneLetsTheConnectionIn() {
        try (LineClient client = LineClient.connect(this.port)) {
            assertThat(client.call("auth wrong")).isEqualTo("ERR invalid password");
            assertThat(client.call("auth correct horse ")).isEqualTo("ERR invalid password");
            assertThat(client.call("auth correct")).isEqualTo("ERR invalid password");
            assertThat(client.call("get a")).isEqualTo(REQUIRED);
            assertThat(client.call("AUTH correct horse")).isEqualTo("OK");
            assertThat(client.call("set auth:a 1")).isEqualTo("OK");
            assertThat(client.call("get auth:a")).isEqualTo("VALUE 1");
            assertThat(client.call("ping")).isEqualTo("PONG");
            assertThat(client.call("auth wrong")).as("a later wrong attempt").isEqualTo("ERR invalid password");
            assertThat(client.call("ping")).as("does not log the connection out").isEqualTo("PONG");
        }
    }

    @Test
    void authenticationBelongsToOneConnection() {
        try (LineClient first = LineClient.connect(this.port); LineClient second = LineClient.connect(this.port)) {
            assertThat(first.call("auth correct horse")).isEqualTo("OK");
            assertThat(first.call("ping")).isEqualTo("PONG");
            assertThat(second.call("ping")).isEqualTo(REQUIRED);
        }
        try (LineClient again = LineClient.connect(this.port)) {
            assertThat(again.call("ping")).as("a new connection starts unauthenticated").isEqualTo(REQUIRED);
        }
    }

    @Test
    void authCanBePipelinedWithTheRequestsBehindIt() {
        try (LineClient client = LineClient.connect(this.port)) {
            client.send("set auth:p 0\nauth correct horse\nset auth:p 1\nget auth:p\n");
            assertThat(List.of(client.readLine(), client.readLine(), client.readLine(), client.readLine()))
                    .containsExactly(REQUIRED, "OK", "OK", "VALUE 1");
        }
    }
}
