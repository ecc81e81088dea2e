package io.keystonelight.lifecycle;

import io.keystonelight.KeystoneLightApplication;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.MethodMetadata;

/**
 * Which beans start eagerly under {@code spring.main.lazy-initialization}. Kept out of the
 * application class, which the command-line client loads too: the client loads nothing of Spring.
 */
@Configuration(proxyBeanMethods = false)
public class EagerServerBeans {

    /**
     * With {@code spring.main.lazy-initialization}, Spring's own beans that the TCP path does not
     * need (Actuator's endpoints, Spring MVC's, JSON) are made when first used; the server's own
     * beans, and those its configuration declares, are still made at start, so that a damaged
     * data file or a taken port stops the start as before.
     */
    @Bean
    static LazyInitializationExcludeFilter serverBeansStartEagerly() {
        return (name, definition, type) -> isServerBean(definition, type);
    }

    static boolean isServerBean(BeanDefinition definition, Class<?> type) {
        String prefix = KeystoneLightApplication.class.getPackageName() + ".";
        if (type != null && type.getName().startsWith(prefix)) {
            return true;
        }
        if (definition.getBeanClassName() != null && definition.getBeanClassName().startsWith(prefix)) {
            return true;
        }
        if (definition instanceof AnnotatedBeanDefinition annotated) {
            MethodMetadata factory = annotated.getFactoryMethodMetadata();
            return factory != null && factory.getDeclaringClassName().startsWith(prefix);
        }
        return false;
    }
}
