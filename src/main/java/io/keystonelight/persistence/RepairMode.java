package io.keystonelight.persistence;

/**
 * What the server does at start with a data file that is damaged somewhere before its end
 * (a torn tail is always cut off; that is not damage).
 */
public enum RepairMode {

    /** Refuse to start and name the damaged line: the operator decides. */
    NONE,

    /**
     * Keep a copy of the whole file beside it, then cut the file at the damaged line, dropping
     * that line and everything after it. Meant to be given once, on the command line, after
     * looking at the damage.
     */
    TRUNCATE
}
