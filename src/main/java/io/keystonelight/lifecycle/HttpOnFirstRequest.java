package io.keystonelight.lifecycle;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.web.reactive.resource.ResourceUrlProvider;

/**
 * Leaves what only Actuator's HTTP side uses (WebFlux's handler mappings, its codecs, JSON) to the
 * first HTTP request, as {@code spring.main.lazy-initialization} means it to be.
 * <p>
 * WebFlux's {@link ResourceUrlProvider} looks for static-resource mappings when the context
 * reports itself refreshed, and to look it asks for every handler mapping, which makes each of
 * them with the codecs and the JSON mapper behind them: about a thousand classes loaded and
 * compiled at start, on the main thread, while the data port already serves its first clients
 * on a machine of few cores. The server serves no static resources
 * ({@code spring.web.resources.add-mappings=false}), so there is nothing for it to find: the
 * provider the server uses does not look.
 */
@Configuration(proxyBeanMethods = false)
public class HttpOnFirstRequest {

    @Bean
    static BeanPostProcessor resourceUrlProviderThatDoesNotLook() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                return bean.getClass() == ResourceUrlProvider.class ? new NoStaticResources() : bean;
            }
        };
    }

    /** Knows of no static resources, and does not look for any when the context is refreshed. */
    static final class NoStaticResources extends ResourceUrlProvider {

        @Override
        public void onApplicationEvent(ContextRefreshedEvent event) {
            // Nothing to find: static resources are not served.
        }
    }
}
