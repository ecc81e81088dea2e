package io.keystonelight.lifecycle;

import io.keystonelight.persistence.DataFileCorruptException;
import io.keystonelight.persistence.DataFileLockedException;
import io.keystonelight.server.EndpointUnavailableException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Turns the ways a start can fail for the operator's reasons (a damaged or locked data file, a
 * port in use) into Spring Boot's short "APPLICATION FAILED TO START" report instead of a stack
 * trace.
 */
public class StartupFailureAnalyzer implements FailureAnalyzer {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DataFileCorruptException corrupt) {
                return new FailureAnalysis(corrupt.getMessage(), "Restore " + corrupt.file()
                        + " from a backup, or cut it before line " + corrupt.lineNumber()
                        + " (everything from there on is lost), then start again.", corrupt);
            }
            if (cause instanceof DataFileLockedException locked) {
                return new FailureAnalysis(locked.getMessage(),
                        "Stop the other server, or give this one another data file with "
                                + "--keystonelight.storage.data-file=...", locked);
            }
            if (cause instanceof EndpointUnavailableException unavailable) {
                return new FailureAnalysis(unavailable.getMessage(),
                        "Stop whatever uses that port, or choose another with --keystonelight.server.port=...",
                        unavailable);
            }
        }
        return null;
    }
}
