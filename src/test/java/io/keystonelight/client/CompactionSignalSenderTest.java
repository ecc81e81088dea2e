package io.keystonelight.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class CompactionSignalSenderTest {

    @Test
    void recognisesTheServerByItsJarOrMainClass() {
        assertThat(CompactionSignalSender.runsKeystoneLight(
                process("-Xmx1g", "-jar", "/opt/app/keystonelight.jar", "serve"))).isTrue();
        assertThat(CompactionSignalSender.runsKeystoneLight(process("-jar", "target/KeystoneLight-0.1.0.jar")))
                .isTrue();
        assertThat(CompactionSignalSender.runsKeystoneLight(
                process("-cp", "target/classes:lib/*", "io.keystonelight.KeystoneLightApplication"))).isTrue();
    }

    @Test
    void aProcessThatMerelyMentionsTheNameIsNotTheServer() {
        // Such as this test's own JVM in a checkout folder named after the project: SIGUSR1 would kill it.
        assertThat(CompactionSignalSender.runsKeystoneLight(
                process("-jar", "/home/ada/keystonelight/target/surefire/surefirebooter-1.jar"))).isFalse();
        assertThat(CompactionSignalSender.runsKeystoneLight(process("-jar", "/srv/app.jar"))).isFalse();
        assertThat(CompactionSignalSender.runsKeystoneLight(process())).isFalse();
        assertThat(CompactionSignalSender.runsKeystoneLight(unknownProcess())).isFalse();
    }

    @Test
    void signalsOnlyServersOnThisMachine() {
        assertThat(CompactionSignalSender.isThisMachine("127.0.0.1")).isTrue();
        assertThat(CompactionSignalSender.isThisMachine("localhost")).isTrue();
        assertThat(CompactionSignalSender.isThisMachine("::1")).isTrue();
        assertThat(CompactionSignalSender.isThisMachine("192.0.2.1")).as("a documentation-only address").isFalse();
    }

    private static ProcessHandle.Info process(String... arguments) {
        return new Info(Optional.of(arguments));
    }

    private static ProcessHandle.Info unknownProcess() {
        return new Info(Optional.empty());
    }

    private record Info(Optional<String[]> arguments) implements ProcessHandle.Info {

        @Override
        public Optional<String> command() {
            return Optional.of("/usr/bin/java");
        }

        @Override
        public Optional<String> commandLine() {
            return Optional.empty();
        }

        @Override
        public Optional<Instant> startInstant() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> totalCpuDuration() {
            return Optional.empty();
        }

        @Override
        public Optional<String> user() {
            return Optional.empty();
        }
    }

    @Test
    void recognisesTheServerEvenWhenItsCommandLineIsLongerThanTheJdkReports() throws Exception {
        // As under mvn spring-boot:run: a class path of thousands of bytes before the main class.
        String longClassPath = "target/classes:" + "x".repeat(6000);
        Process process = new ProcessBuilder("bash", "-c", "sleep 30; true", longClassPath,
                "io.keystonelight.KeystoneLightApplication").start();
        try {
            // Until the child has replaced itself with bash, its command line is still Java's.
            await().atMost(Duration.ofSeconds(10)).until(() -> CompactionSignalSender
                    .runsKeystoneLight(CompactionSignalSender.arguments(process.toHandle())));
        }
        finally {
            process.destroyForcibly();
        }
    }
}
