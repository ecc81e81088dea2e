package io.keystonelight.persistence;

/**
 * Receives the records of a data file as it is replayed, oldest first.
 * Either method may throw {@link IllegalArgumentException} to reject a record it finds invalid;
 * the replay then stops and names the line.
 */
public interface RecordSink {

    void put(String key, String value);

    void remove(String key);
}
