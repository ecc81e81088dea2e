package io.keystonelight;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * The auto-configurations the server uses, listed in
 * {@code META-INF/spring/io.keystonelight.ServerAutoConfiguration.imports}, instead of every one
 * on the class path: {@code @EnableAutoConfiguration} read about a hundred candidates at each
 * start and evaluated the conditions of some fifty that never matched. The list holds what
 * matches with the default settings, with Prometheus or the metrics endpoint exposed, and in
 * cluster mode; their own conditions still decide (the Prometheus registry only when exposed),
 * and {@code MetricsWhenExposed} leaves out every meter registry and binder while no metrics
 * endpoint is exposed.
 * Measured, the gain is small: the cost of a start is in the configuration that is kept.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ImportAutoConfiguration
public @interface ServerAutoConfiguration {

}
