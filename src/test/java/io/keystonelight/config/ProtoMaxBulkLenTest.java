package io.keystonelight.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code proto-max-bulk-len} is bound and validated as the server binds its settings. */
class ProtoMaxBulkLenTest {

    private static KeystoneLightProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("keystonelight",
                Bindable.of(KeystoneLightProperties.class),
                new ValidationBindHandler(SettingsValidator.configurationPropertiesValidator()));
    }

    @Test
    void defaultsTo512MegabytesAsRedis() {
        assertThat(bind(Map.of()).server().protoMaxBulkLen()).isEqualTo(DataSize.ofMegabytes(512));
    }

    @Test
    void takesAValueBetween1MBAnd2047MB() {
        assertThat(bind(Map.of("keystonelight.server.proto-max-bulk-len", "2047MB")).server().protoMaxBulkLen())
                .isEqualTo(DataSize.ofMegabytes(2047));
        assertThat(bind(Map.of("keystonelight.server.proto-max-bulk-len", "1MB")).server().protoMaxBulkLen())
                .isEqualTo(DataSize.ofMegabytes(1));
    }

    @Test
    void refusesAValueOutsideThatRangeSayingWhy() {
        for (String value : new String[] { "1023KB", "2048MB" }) {
            assertThatThrownBy(() -> bind(Map.of("keystonelight.server.proto-max-bulk-len", value)))
                    .as(value).isInstanceOf(BindException.class).rootCause()
                    .hasMessageContaining("must be between 1MB and 2047MB");
        }
    }
}
