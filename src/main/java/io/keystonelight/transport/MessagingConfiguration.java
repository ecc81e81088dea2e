package io.keystonelight.transport;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.IdGenerator;
import org.springframework.util.SimpleIdGenerator;

/**
 * The messages Spring Integration builds itself get an id. The default id is a random UUID;
 * nothing here needs ids that are unique beyond this process, so a counter does. (A connection's
 * read message is built once, without an id.)
 */
@Configuration(proxyBeanMethods = false)
class MessagingConfiguration {

    @Bean
    IdGenerator messageIdGenerator() {
        return new SimpleIdGenerator();
    }
}
