package io.keystonelight.persistence;

/**
 * When appended records are forced to stable storage, named after Redis's {@code appendfsync}.
 */
public enum FsyncPolicy {

    /** Every acknowledged write has been fsynced; concurrent writers share one fsync (group commit). */
    ALWAYS,

    /** Records are written at once and fsynced at most once a second: a crash may lose about a second. */
    EVERYSEC,

    /** Records are written at once; the operating system decides when they reach the disk. */
    NO
}
