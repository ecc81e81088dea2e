package io.keystonelight.transport;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.IdGenerator;
import org.springframework.util.SimpleIdGenerator;

/**
 * Every request travels as a few Spring Integration messages, and each message gets an id. The
 * default id is a random UUID; nothing here needs ids that are unique beyond this process, so a
 * counter does.
 */
@Configuration(proxyBeanMethods = false)
class MessagingConfiguration {

    @Bean
    IdGenerator messageIdGenerator() {
        return new SimpleIdGenerator();
    }
}
