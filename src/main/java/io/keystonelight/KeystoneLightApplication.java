package io.keystonelight;

import io.keystonelight.client.ClientArguments;
import io.keystonelight.client.KeystoneLightClient;
import io.keystonelight.compaction.CompactionSignal;
import io.keystonelight.lifecycle.ServerHelp;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.core.type.MethodMetadata;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The server, and the entry point of the jar: {@code serve} (or nothing but settings) runs the
 * server, any other command runs the command-line client.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class KeystoneLightApplication {

    public static void main(String[] args) {
        // First of all: until a handler is installed, SIGUSR1 kills the JVM outright, skipping
        // every shutdown step.
        CompactionSignal.install();
        if (ClientArguments.meansServe(args)) {
            if (ClientArguments.asksForHelp(args)) {
                System.out.print(ServerHelp.text());
                System.exit(0);
            }
            SpringApplication.run(KeystoneLightApplication.class, ClientArguments.serverSettings(args));
        }
        else {
            // The client answers in a fraction of a second because it never loads Spring.
            System.exit(KeystoneLightClient.run(args));
        }
    }

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
