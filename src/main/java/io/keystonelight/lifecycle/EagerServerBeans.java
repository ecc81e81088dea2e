package io.keystonelight.lifecycle;

import io.keystonelight.KeystoneLightApplication;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.context.annotation.AnnotationConfigUtils;
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
     * Spring Boot's filter that keeps every bean with a {@code @Scheduled} method eager, declared
     * by its task scheduling auto-configuration wherever {@code @EnableScheduling} is.
     */
    static final String SCHEDULED_BEANS_FILTER = "scheduledBeanLazyInitializationExcludeFilter";

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

    /**
     * Spring Boot's filter for {@code @Scheduled} beans is taken out before the lazy-initialization
     * post-processor asks for its filters. To look for the annotation it lists the methods of every
     * bean's class, and listing a class's methods loads each type in their signatures: some 850
     * classes at each start (Jackson's among them) that nothing else needs before the data port
     * serves, about a tenth of those the start loads. Only the server's own beans have
     * {@code @Scheduled} methods (the compaction check, active expiry, the once-a-second fsync), and
     * {@link #serverBeansStartEagerly()} keeps them eager anyway; {@code EagerBeansTest} fails if
     * any bean with a {@code @Scheduled} method, ours or a library's, is left lazy.
     */
    @Bean
    static BeanDefinitionRegistryPostProcessor scheduledBeansNeedNoSearch() {
        return registry -> {
            if (registry.containsBeanDefinition(SCHEDULED_BEANS_FILTER)) {
                registry.removeBeanDefinition(SCHEDULED_BEANS_FILTER);
            }
        };
    }

    /**
     * Spring's {@code @EventListener} processor is taken out of the start. Once every singleton is
     * made it lists the methods of every bean's class that is not Spring's own (Netty's, Reactor
     * Netty's, Micrometer's, ours) to look for the annotation, which loads each type in their
     * signatures, on the main thread before the data port serves. No bean of the server has such a
     * method: the server's listeners are {@code ApplicationListener} beans, which Spring registers
     * by their type without a search. {@code EagerBeansTest} fails if a bean of the started server,
     * or any class of the server's own, declares an {@code @EventListener} method, which would
     * otherwise never be called.
     */
    @Bean
    static BeanDefinitionRegistryPostProcessor eventListenerMethodsNeedNoSearch() {
        return registry -> {
            if (registry.containsBeanDefinition(AnnotationConfigUtils.EVENT_LISTENER_PROCESSOR_BEAN_NAME)) {
                registry.removeBeanDefinition(AnnotationConfigUtils.EVENT_LISTENER_PROCESSOR_BEAN_NAME);
            }
        };
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
