package io.keystonelight.store;

import java.util.List;

/**
 * A change to the store, for {@link KeyValueStore#writeAll(List)}.
 */
public sealed interface Write {

    record Set(String key, String value) implements Write {
    }

    record Delete(List<String> keys) implements Write {
    }
}
