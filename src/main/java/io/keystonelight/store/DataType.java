package io.keystonelight.store;

/** What a key holds, named as Redis's {@code TYPE} names it. */
public enum DataType {
    STRING("string"), HASH("hash"), LIST("list"), SET("set"), ZSET("zset");

    private final String redisName;

    DataType(String redisName) {
        this.redisName = redisName;
    }

    public String redisName() {
        return this.redisName;
    }

    /** The type a value of this class holds; {@code byte[]} is a string. */
    public static DataType of(Object value) {
        if (value instanceof byte[]) {
            return STRING;
        }
        if (value instanceof HashValue) {
            return HASH;
        }
        if (value instanceof ListValue) {
            return LIST;
        }
        if (value instanceof SetValue) {
            return SET;
        }
        if (value instanceof SortedSetValue) {
            return ZSET;
        }
        throw new IllegalArgumentException("not a value of the store: " + value);
    }
}
