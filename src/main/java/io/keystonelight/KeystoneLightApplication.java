package io.keystonelight;

import io.keystonelight.client.ClientArguments;
import io.keystonelight.client.KeystoneLightClient;
import io.keystonelight.compaction.CompactionSignal;
import io.keystonelight.lifecycle.ServerHelp;
import io.keystonelight.store.ReplayAhead;

import io.keystonelight.config.KeystoneLightProperties;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The server, and the entry point of the jar: {@code serve} (or nothing but settings) runs the
 * server, any other command runs the command-line client.
 */
// No @SpringBootApplication: what the server uses is named, so that a start neither scans the
// class path nor reads and evaluates auto-configurations the server never uses.
@SpringBootConfiguration
@ServerAutoConfiguration
@Import(ServerComponents.class)
@EnableConfigurationProperties(KeystoneLightProperties.class)
@EnableScheduling
public class KeystoneLightApplication {

    private static final String SKIP_PREINITIALIZING = "spring.backgroundpreinitializer.ignore";

    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    private static final String NETTY_FLIGHT_RECORDER_EVENTS = "io.netty.jfr.enabled";

    public static void main(String[] args) {
        // First of all: until a handler is installed, SIGUSR1 kills the JVM outright, skipping
        // every shutdown step.
        CompactionSignal.install();
        if (ClientArguments.meansServe(args)) {
            if (ClientArguments.asksForHelp(args)) {
                System.out.print(ServerHelp.text());
                System.exit(0);
            }
            // Spring Boot warms Jackson, Bean Validation and others on a second thread at start;
            // the server needs none of them to serve (Jackson only at the first health request),
            // and on a machine of few cores that thread takes CPU from the start itself.
            if (System.getProperty(SKIP_PREINITIALIZING) == null) {
                System.setProperty(SKIP_PREINITIALIZING, "true");
            }
            // Netty's default leak detection takes a stack trace of one buffer in 128, a cost on
            // every path that allocates one; a server keeps it only when asked for by name.
            if (System.getProperty(LEAK_DETECTION) == null) {
                System.setProperty(LEAK_DETECTION, "disabled");
            }
            // Netty's allocator records Flight Recorder events when the JVM has a flight recorder,
            // whether or not a recording runs: about 80 classes of jdk.jfr and Netty's events load
            // as the data port serves its first request, and each allocation asks whether its
            // event is on. Whoever profiles Netty's allocations sets it to true.
            if (System.getProperty(NETTY_FLIGHT_RECORDER_EVENTS) == null) {
                System.setProperty(NETTY_FLIGHT_RECORDER_EVENTS, "false");
            }
            SpringApplication server = new SpringApplication(KeystoneLightApplication.class);
            server.addInitializers(ReplayAhead.initializer());
            server.run(ClientArguments.serverSettings(args));
        }
        else {
            // The client answers in a fraction of a second because it never loads Spring.
            System.exit(KeystoneLightClient.run(args));
        }
    }
}
