package io.keystonelight.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class ClientArgumentsTest {

    @Test
    void noArgumentsServeAndSoDoesTheWordServe() {
        assertThat(ClientArguments.meansServe(new String[0])).isTrue();
        assertThat(ClientArguments.meansServe(args("serve"))).isTrue();
        assertThat(ClientArguments.meansServe(args("serve", "--keystonelight.server.port=7879"))).isTrue();
        assertThat(ClientArguments.serverSettings(args("serve", "--keystonelight.server.port=7879")))
                .containsExactly("--keystonelight.server.port=7879");
    }

    @Test
    void nothingButServerSettingsServes() {
        String[] settings = args("--keystonelight.server.port=7879", "--server.port=8081", "--debug");
        assertThat(ClientArguments.meansServe(settings)).isTrue();
        assertThat(ClientArguments.serverSettings(settings)).containsExactly(settings);
    }

    @Test
    void settingsBeforeServeAreKeptWithoutTheWord() {
        assertThat(ClientArguments.meansServe(args("--server.port=8081", "serve"))).isTrue();
        assertThat(ClientArguments.serverSettings(args("--server.port=8081", "serve", "--debug")))
                .containsExactly("--server.port=8081", "--debug");
    }

    @Test
    void aCommandOrAClientOptionMeansTheClient() {
        assertThat(ClientArguments.meansServe(args("get", "name"))).isFalse();
        assertThat(ClientArguments.meansServe(args("--port", "7879", "get", "name"))).isFalse();
        assertThat(ClientArguments.meansServe(args("--port=7879"))).isFalse();
        assertThat(ClientArguments.meansServe(args("--help"))).isFalse();
        assertThat(ClientArguments.meansServe(args("--version"))).isFalse();
        assertThat(ClientArguments.meansServe(args("-h"))).isFalse();
    }

    @Test
    void optionsTakeTheirValueAfterASpaceOrAnEqualsSign() throws UsageException {
        ClientArguments spaced = ClientArguments.parse(args("--host", "localhost", "--port", "7879", "--pid-file",
                "run/kl.pid", "get", "name"));
        ClientArguments joined = ClientArguments.parse(args("--host=localhost", "--port=7879",
                "--pid-file=run/kl.pid", "get", "name"));
        for (ClientArguments parsed : List.of(spaced, joined)) {
            assertThat(parsed.host()).isEqualTo("localhost");
            assertThat(parsed.port()).isEqualTo(7879);
            assertThat(parsed.pidFile()).isEqualTo(Path.of("run/kl.pid"));
            assertThat(parsed.command()).isEqualTo("get");
            assertThat(parsed.key()).isEqualTo("name");
        }
    }

    @Test
    void withoutOptionsTheDefaultsApply() throws UsageException {
        ClientArguments parsed = ClientArguments.parse(args("ping"));
        assertThat(parsed.host()).isEqualTo("127.0.0.1");
        assertThat(parsed.port()).isEqualTo(7878);
        assertThat(parsed.pidFile()).isEqualTo(Path.of("keystonelight.pid"));
    }

    @Test
    void theValueOfSetIsTheRemainingArgumentsJoinedByOneSpace() throws UsageException {
        ClientArguments parsed = ClientArguments.parse(args("set", "name", "Ada", "King", "Lovelace|1815"));
        assertThat(parsed.key()).isEqualTo("name");
        assertThat(parsed.value()).isEqualTo("Ada King Lovelace|1815");
        assertThat(ClientArguments.parse(args("set", "empty", "")).value()).isEmpty();
        assertThat(ClientArguments.parse(args("set", "spaced", "  two  ")).value()).isEqualTo("  two  ");
    }

    @Test
    void commandWordsAreCaseInsensitiveAndDelIsDelete() throws UsageException {
        assertThat(ClientArguments.parse(args("GET", "k")).command()).isEqualTo("get");
        assertThat(ClientArguments.parse(args("del", "a", "b")).arguments()).containsExactly("a", "b");
    }

    @Test
    void helpIsACommandOfItsOwn() throws UsageException {
        assertThat(ClientArguments.parse(args("--help")).command()).isEqualTo("help");
        assertThat(ClientArguments.parse(args("-h")).command()).isEqualTo("help");
        assertThat(ClientArguments.parse(args("--port", "1", "--help")).command()).isEqualTo("help");
    }

    @Test
    void waitTakesSecondsAndDefaultsToNone() throws UsageException {
        assertThat(ClientArguments.parse(args("ping")).waitSeconds()).isZero();
        assertThat(ClientArguments.parse(args("--wait", "60", "ping")).waitSeconds()).isEqualTo(60);
        assertThat(ClientArguments.parse(args("--wait=5", "ping")).waitSeconds()).isEqualTo(5);
        assertThat(ClientArguments.meansServe(args("--wait", "5", "ping"))).isFalse();
        assertUsage(args("--wait", "soon", "ping"), "--wait must be a number of seconds from 0 to 3600, got 'soon'",
                false);
    }

    @Test
    void versionIsACommandOfItsOwn() throws UsageException {
        assertThat(ClientArguments.meansServe(args("--version"))).isFalse();
        assertThat(ClientArguments.meansServe(args("-V"))).isFalse();
        assertThat(ClientArguments.parse(args("--version")).command()).isEqualTo("version");
        assertThat(ClientArguments.parse(args("-V")).command()).isEqualTo("version");
    }

    @Test
    void serveWithHelpAsksForTheSettings() {
        assertThat(ClientArguments.meansServe(args("serve", "--help"))).isTrue();
        assertThat(ClientArguments.asksForHelp(args("serve", "--help"))).isTrue();
        assertThat(ClientArguments.asksForHelp(args("serve", "--keystonelight.server.port=1"))).isFalse();
    }

    @Test
    void wrongCommandLinesSayWhatWasWrongAndWhatIsExpected() {
        assertUsage(args("gett", "k"), "unknown command 'gett'; expected one of: set, get, delete (or del), "
                + "compact, ping, serve", true);
        assertUsage(args("--port", "7879"), "no command given after the options", true);
        assertUsage(args("--verbose", "get", "k"), "unknown option '--verbose'", true);
        assertUsage(args("--port", "seven", "ping"), "--port must be a number from 1 to 65535, got 'seven'", false);
        assertUsage(args("--port=70000", "ping"), "--port must be a number from 1 to 65535, got '70000'", false);
        assertUsage(args("get", "k", "--port", "1"), "get takes exactly one key: get <key>", false);
        assertUsage(args("--host"), "option --host needs a value", false);
        assertUsage(args("--host=", "ping"), "option --host needs a value", false);
        assertUsage(args("get"), "get takes exactly one key", false);
        assertUsage(args("set", "k"), "set needs a key and a value", false);
        assertUsage(args("delete"), "delete needs at least one key", false);
        assertUsage(args("ping", "now"), "ping takes no arguments", false);
        assertUsage(args("compact", "now"), "compact takes no arguments", false);
    }

    @Test
    void aKeyThatWouldSplitIntoTwoWordsOnTheWireIsRefusedHere() {
        assertUsage(args("get", "two words"), "the key 'two words' contains whitespace", false);
        assertUsage(args("set", "a\tb", "v"), "contains whitespace", false);
        assertUsage(args("delete", "ok", ""), "a key cannot be empty", false);
        assertUsage(args("set", "k", "line\nbreak"), "the value contains a line break", false);
    }

    private static void assertUsage(String[] args, String message, boolean showUsage) {
        assertThatExceptionOfType(UsageException.class).isThrownBy(() -> ClientArguments.parse(args))
                .withMessageContaining(message)
                .satisfies(ex -> assertThat(ex.showUsage()).as("show usage").isEqualTo(showUsage));
    }

    private static String[] args(String... args) {
        return args;
    }
}
