package io.keystonelight.store;

import java.io.IOException;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.persistence.FileChannelOpener;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The store of the running server: the one whose replay started ahead, if it did, else one opened here. */
@Configuration(proxyBeanMethods = false)
class StoreConfiguration {

    @Bean
    KeyValueStore keyValueStore(KeystoneLightProperties properties, ObjectProvider<FileChannelOpener> opener,
            ObjectProvider<ReplayAhead> replayAhead) throws IOException {
        ReplayAhead ahead = replayAhead.getIfAvailable();
        // A disk given as a bean (tests' failing or slow disks) must open the file itself.
        if (ahead != null && opener.getIfAvailable() == null) {
            KeyValueStore store = ahead.claim(properties.storage());
            if (store != null) {
                return store;
            }
        }
        else if (ahead != null) {
            ahead.destroy();
        }
        return new KeyValueStore(properties, opener);
    }
}
