package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.ServerInThisJvm;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;
import org.springframework.integration.support.management.IntegrationManagement;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * When the start's first phase has run, and when the data port listens, no Spring Integration
 * component still holds a timer that the server takes away: taking it while requests flowed
 * failed a request whose send had begun with the timer (a NullPointerException on the event loop,
 * and its connection reset). Requests come as soon as the port listens, which can be before Spring
 * finishes its start, since the server announces itself as soon as the web server has its port.
 */
// With metrics exposed there is a meter registry, and Spring Integration gives its components timers.
@TestPropertySource(properties = "management.endpoints.web.exposure.include=health,metrics")
class NoTimersOnceServingTest extends ServerInThisJvm {

    /** The components that held a timer at the moment the port listened. */
    static final List<String> timedWhenListening = new ArrayList<>();

    /** The components that held a timer once the start's first phase had run, before anything listens. */
    static final List<String> timedAfterFirstPhase = new ArrayList<>();

    @TestConfiguration
    static class AtListening {

        @Bean
        ApplicationListener<TcpConnectionServerListeningEvent> timersWhenListening(ListableBeanFactory beans) {
            return event -> timedWhenListening.addAll(timed(beans));
        }

        @Bean
        static SmartLifecycle timersAfterFirstPhase(ListableBeanFactory beans) {
            return new SmartLifecycle() {

                private volatile boolean running;

                @Override
                public void start() {
                    timedAfterFirstPhase.addAll(timed(beans));
                    this.running = true;
                }

                @Override
                public void stop() {
                    this.running = false;
                }

                @Override
                public boolean isRunning() {
                    return this.running;
                }

                @Override
                public int getPhase() {
                    return Integer.MIN_VALUE + 1;
                }
            };
        }

        private static List<String> timed(ListableBeanFactory beans) {
            List<String> timed = new ArrayList<>();
            for (Map.Entry<String, IntegrationManagement> component : beans.getBeansOfType(IntegrationManagement.class)
                    .entrySet()) {
                if (hasField(component.getValue())
                        && ReflectionTestUtils.getField(component.getValue(), "metricsCaptor") != null) {
                    timed.add(component.getKey());
                }
            }
            return timed;
        }

        private static boolean hasField(Object component) {
            for (Class<?> type = component.getClass(); type != null; type = type.getSuperclass()) {
                for (java.lang.reflect.Field field : type.getDeclaredFields()) {
                    if (field.getName().equals("metricsCaptor")) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    @Autowired
    ListableBeanFactory beans;

    @Test
    void noComponentOfTheRequestPathHoldsATimerOnceThePortListens() {
        // The check can see timers at all: a meter registry gives the components one at start.
        assertThat(this.beans.getBeanNamesForType(
                org.springframework.integration.support.management.metrics.MetricsCaptor.class))
                .as("a metrics captor, which gives Spring Integration's components their timers").isNotEmpty();
        assertThat(this.connectionFactory.getPort()).isPositive();
        assertThat(timedAfterFirstPhase).as("components holding a timer once the first phase of the start ran")
                .isEmpty();
        assertThat(timedWhenListening).as("components holding a timer when the port listened").isEmpty();
    }
}
