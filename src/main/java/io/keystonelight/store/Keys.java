package io.keystonelight.store;

/**
 * What a key and a value may hold. The rules keep every record one line of the data file:
 * a key ends at the first {@code |}, a record at the newline.
 */
public final class Keys {

    public static final int MAX_KEY_BYTES = 1024;

    public static final String KEY_RULE = "a key is 1 to " + MAX_KEY_BYTES
            + " bytes of UTF-8 without whitespace, control characters or '|'";

    private Keys() {
    }

    /** Why {@code key} is not a valid key, or {@code null} if it is. */
    public static String problemWithKey(String key) {
        if (key.isEmpty()) {
            return "the key is empty";
        }
        int bytes = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '|') {
                return "the key contains '|'";
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                return "the key contains whitespace";
            }
            if (Character.isISOControl(c)) {
                return "the key contains a control character";
            }
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        if (bytes > MAX_KEY_BYTES) {
            return "the key is " + bytes + " bytes long";
        }
        return null;
    }

    /** Why {@code value} cannot be stored, or {@code null} if it can. */
    public static String problemWithValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return "a value may not contain CR, LF or NUL characters";
            }
        }
        return null;
    }
}
