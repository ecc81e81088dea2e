package io.keystonelight.store;

import java.util.Arrays;

/** A key's bytes as a hash-map key: equal by content, as {@code byte[]} is not. */
record ByteKey(byte[] bytes) {

    @Override
    public boolean equals(Object other) {
        return other instanceof ByteKey key && Arrays.equals(this.bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(this.bytes);
    }

    @Override
    public String toString() {
        return new String(this.bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
