package io.keystonelight.lifecycle;

import io.keystonelight.cluster.ClusterConfigurationException;
import io.keystonelight.persistence.DataFileCorruptException;
import io.keystonelight.persistence.DataFileLockedException;
import io.keystonelight.transport.EndpointUnavailableException;
import io.keystonelight.security.UnprotectedRemoteAccessException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Turns the ways a start can fail for the operator's reasons (a damaged or locked data file, a
 * port in use, an address open to others without a password) into Spring Boot's short
 * "APPLICATION FAILED TO START" report instead of a stack trace.
 */
public class StartupFailureAnalyzer implements FailureAnalyzer {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DataFileCorruptException corrupt) {
                return new FailureAnalysis(corrupt.getMessage(), "Restore " + corrupt.file()
                        + " from a backup, or cut it before line " + corrupt.lineNumber()
                        + " (everything from there on is lost), then start again. To have the server cut it, start "
                        + "once with --keystonelight.storage.repair=truncate: it keeps a copy of the whole file "
                        + "beside it and logs how many records were dropped.", corrupt);
            }
            if (cause instanceof DataFileLockedException locked) {
                return new FailureAnalysis(locked.getMessage(),
                        "Stop the other server, or give this one another data file with "
                                + "--keystonelight.storage.data-file=...", locked);
            }
            if (cause instanceof UnprotectedRemoteAccessException unprotected) {
                return new FailureAnalysis(unprotected.getMessage(), "Set a password with "
                        + "--keystonelight.server.password=... (clients then send auth <password> first), listen on "
                        + "127.0.0.1 only, or, on a network you trust, allow it with "
                        + "--keystonelight.server.allow-unauthenticated-remote=true", unprotected);
            }
            if (cause instanceof ClusterConfigurationException cluster) {
                return new FailureAnalysis(cluster.getMessage(), "Give every node the same "
                        + "--keystonelight.cluster.peers=n1=host:port,n2=host:port,n3=host:port (Raft addresses, every "
                        + "member included) and each its own --keystonelight.cluster.node-id, one of those ids; or set "
                        + "neither to run a single node", cluster);
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
