package io.keystonelight.config;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Checks the ranges of {@link KeystoneLightProperties}. Written out instead of Bean Validation's
 * annotations: Hibernate Validator's start-up (over 600 classes and an expression language) was
 * a large share of the server's, for a dozen range checks. Spring Boot reports what is rejected
 * here as it reported those constraints: the setting, the value given, where it came from, why.
 */
@Configuration(proxyBeanMethods = false)
public class SettingsValidator implements Validator {

    /**
     * Spring Boot validates every {@code @Validated} settings class with the bean of this name.
     * Infrastructure: it is made while the post-processors are, which Spring otherwise warns of.
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static SettingsValidator configurationPropertiesValidator() {
        return new SettingsValidator();
    }

    @Override
    public boolean supports(Class<?> type) {
        return KeystoneLightProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        KeystoneLightProperties settings = (KeystoneLightProperties) target;
        notNull(errors, "pid-file", settings.pidFile());
        KeystoneLightProperties.Server server = settings.server();
        if (server.host() == null || server.host().isBlank()) {
            errors.rejectValue("server.host", "NotBlank", "must not be blank");
        }
        range(errors, "server.port", server.port(), 0, 65535);
        range(errors, "server.workers", server.workers(), 0, 1024);
        range(errors, "server.max-connections", server.maxConnections(), 1, Integer.MAX_VALUE);
        notNull(errors, "server.max-line-length", server.maxLineLength());
        notNull(errors, "server.shutdown-timeout", server.shutdownTimeout());
        notNull(errors, "server.idle-timeout", server.idleTimeout());
        if (server.protoMaxBulkLen() == null
                || server.protoMaxBulkLen().compareTo(KeystoneLightProperties.Server.MIN_PROTO_MAX_BULK_LEN) < 0
                || server.protoMaxBulkLen().compareTo(KeystoneLightProperties.Server.MAX_PROTO_MAX_BULK_LEN) > 0) {
            errors.rejectValue("server.proto-max-bulk-len", "Range", "must be between 1MB and 2047MB: a bulk string "
                    + "shorter than 1MB is not a limit Redis allows, and one longer than 2047MB does not fit in one "
                    + "Java array");
        }
        notNull(errors, "storage.data-file", settings.storage().dataFile());
        notNull(errors, "storage.fsync", settings.storage().fsync());
        notNull(errors, "storage.repair", settings.storage().repair());
        notNull(errors, "compaction.auto-min-size", settings.compaction().autoMinSize());
        double reclaimable = settings.compaction().autoMinReclaimable();
        if (!(reclaimable > 0 && reclaimable <= 1)) {
            errors.rejectValue("compaction.auto-min-reclaimable", "Range",
                    "must be above 0 and at most 1 (a share of the data file)");
        }
        KeystoneLightProperties.Cluster cluster = settings.cluster();
        notNull(errors, "cluster.dir", cluster.dir());
        notNull(errors, "cluster.write-timeout", cluster.writeTimeout());
        notNull(errors, "cluster.read-consistency", cluster.readConsistency());
        notNull(errors, "cluster.election-timeout", cluster.electionTimeout());
        notNull(errors, "cluster.log-segment-size", cluster.logSegmentSize());
        range(errors, "cluster.snapshot-every", cluster.snapshotEvery(), 2, Long.MAX_VALUE);
    }

    private static void range(Errors errors, String field, long value, long min, long max) {
        if (value < min || value > max) {
            errors.rejectValue(field, "Range", max == Integer.MAX_VALUE || max == Long.MAX_VALUE
                    ? "must be at least " + min : "must be between " + min + " and " + max);
        }
    }

    private static void notNull(Errors errors, String field, Object value) {
        if (value == null) {
            errors.rejectValue(field, "NotNull", "must be given");
        }
    }
}
