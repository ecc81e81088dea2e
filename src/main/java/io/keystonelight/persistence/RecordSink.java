package io.keystonelight.persistence;

/**
 * Receives the records of a data file as it is replayed, oldest first.
 *
 * <p>The byte methods are the ones the replay calls. Their arrays belong to the replay and are
 * reused once the call returns: copy what you keep. Their defaults decode UTF-8 and call the
 * {@code String} methods, for sinks that work on strings (a record that is not UTF-8 then
 * counts as damage).
 *
 * <p>Any method may throw {@link IllegalArgumentException} to reject a record it finds invalid;
 * the replay then stops and names the line.
 */
public interface RecordSink {

    /** Called once before the first record, with the size of the file to replay. */
    default void expectBytes(long fileBytes) {
    }

    /**
     * Called once after the last record the replay hands over, also when it stops at a damaged
     * line or fails: a sink that holds records back applies them here.
     */
    default void finished() {
    }

    /** The key in {@code k[ko, ko + kl)} was set to the value in {@code v[vo, vo + vl)}. */
    default void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) {
        put(RecordFormat.utf8(k, ko, kl), RecordFormat.utf8(v, vo, vl));
    }

    /** The key in {@code k[ko, ko + kl)} was deleted. */
    default void remove(byte[] k, int ko, int kl) {
        remove(RecordFormat.utf8(k, ko, kl));
    }

    /** Every key was deleted (a flush record). */
    default void clear() {
        throw new IllegalArgumentException("a flush record, which this reader does not take");
    }

    /**
     * A record of another kind than a string's set or delete: {@code tag} is one of
     * {@link RecordFormat#OPERATION_TAGS}, {@code fields} its fields, decoded (arrays the sink may keep).
     */
    default void operation(String tag, java.util.List<byte[]> fields) {
        throw new IllegalArgumentException("a '" + tag + "' record, which this reader does not take");
    }

    /** The string form of {@link #put(byte[], int, int, byte[], int, int)}. */
    default void put(String key, String value) {
        throw new UnsupportedOperationException("a record sink takes put(byte[], ...) or put(String, String)");
    }

    /** The string form of {@link #remove(byte[], int, int)}. */
    default void remove(String key) {
        throw new UnsupportedOperationException("a record sink takes remove(byte[], ...) or remove(String)");
    }
}
