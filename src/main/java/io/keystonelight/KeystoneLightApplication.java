package io.keystonelight;

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
        SpringApplication.run(KeystoneLightApplication.class, args);
    }
}
