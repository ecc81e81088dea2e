package io.keystonelight;

import io.keystonelight.compaction.CompactionSignal;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The server, and the entry point of the jar.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class KeystoneLightApplication {

    public static void main(String[] args) {
        // First of all: until a handler is installed, SIGUSR1 kills the JVM outright, skipping
        // every shutdown step.
        CompactionSignal.install();
        SpringApplication.run(KeystoneLightApplication.class, args);
    }
}
