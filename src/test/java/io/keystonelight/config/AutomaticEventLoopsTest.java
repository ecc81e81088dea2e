package io.keystonelight.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code workers: 0} leaves a core to the kernel's network work and the clients: on a small
 * machine a loop per core doubled the wake-ups per request with one request in flight.
 */
class AutomaticEventLoopsTest {

    @ParameterizedTest(name = "{0} cores: {1} loops")
    @CsvSource({ "1, 1", "2, 1", "3, 2", "4, 3", "8, 6", "16, 12", "64, 48" })
    void threeLoopsForEveryFourCoresAndAtLeastOne(int cores, int loops) {
        assertThat(KeystoneLightProperties.Server.automaticEventLoops(cores))
                .as("event loops that workers: 0 runs on %d cores", cores).isEqualTo(loops);
    }
}
