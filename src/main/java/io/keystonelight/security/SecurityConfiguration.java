package io.keystonelight.security;

import io.keystonelight.config.KeystoneLightProperties;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    PasswordCheck passwordCheck(KeystoneLightProperties properties) {
        return new PasswordCheck(properties.server().password());
    }
}
