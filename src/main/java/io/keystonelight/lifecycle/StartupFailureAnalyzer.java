package io.keystonelight.lifecycle;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import io.keystonelight.cluster.ClusterConfigurationException;
import io.keystonelight.persistence.DataFileCorruptException;
import io.keystonelight.persistence.DataFileLockedException;
import io.keystonelight.transport.EndpointUnavailableException;
import io.keystonelight.security.UnprotectedRemoteAccessException;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;

/**
 * Turns the ways a start can fail for the operator's reasons (a damaged or locked data file, a
 * port in use, an address open to others without a password, a misspelt setting, a folder or
 * file the server may not write) into Spring Boot's short
 * "APPLICATION FAILED TO START" report instead of a stack trace.
 */
public class StartupFailureAnalyzer implements FailureAnalyzer, Ordered {

    /** Before Spring Boot's own, which would word the HTTP port's report without naming the setting. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StartupClashException clash) {
                return clashes(clash);
            }
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
            if (cause instanceof PortInUseException portInUse) {
                return new FailureAnalysis("the HTTP port " + portInUse.getPort() + " for health (Actuator) is "
                        + "already in use", "Stop whatever uses that port, or choose another with "
                        + "--server.port=... (0 picks a free one, which is logged)", portInUse);
            }
            if (cause instanceof BindException bind && isEnum(bind)) {
                return choiceNotKnown(bind);
            }
            if (cause instanceof UnknownSettingException unknown) {
                return new FailureAnalysis(unknown.getMessage(), "Correct the name"
                        + (unknown.nearest() == null ? "" : " (" + unknown.nearest() + "?)")
                        + " or remove the setting. 'java -jar keystonelight.jar serve --help' lists every setting.",
                        unknown);
            }
        }
        // Files last: the reasons above may wrap one of these.
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof FileSystemException fileProblem) {
                return fileSystem(fileProblem, failure);
            }
        }
        return null;
    }

    private static boolean isEnum(BindException bind) {
        Class<?> type = bind.getTarget().getType().resolve();
        return bind.getProperty() != null && type != null && type.isEnum();
    }

    /**
     * A setting of a few choices given another value: named as the README and {@code --help} spell
     * them, in lower case (Spring would list the enum's constants and name its class).
     */
    private static FailureAnalysis choiceNotKnown(BindException bind) {
        ConfigurationProperty property = bind.getProperty();
        String choices = Arrays.stream(bind.getTarget().getType().resolve().getEnumConstants())
                .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
        Origin origin = property.getOrigin();
        return new FailureAnalysis(property.getName() + " is '" + property.getValue() + "'"
                + (origin == null ? "" : " (" + origin + ")") + ", which is none of its values: " + choices,
                "Set " + property.getName() + " to one of: " + choices, bind);
    }

    /** Every clash on its own line, so that one attempt shows all there is to fix. */
    private static FailureAnalysis clashes(StartupClashException clash) {
        StringBuilder description = new StringBuilder(clash.clashes().size() == 1 ? ""
                : "this server clashes with what is already running:");
        StringBuilder action = new StringBuilder("Stop whatever holds ");
        action.append(clash.clashes().size() == 1 ? "it" : "them");
        action.append(" (another KeystoneLight server on the same settings?), or");
        for (StartupClashException.Clash each : clash.clashes()) {
            if (clash.clashes().size() == 1) {
                description.append(each.problem());
                action.append(' ').append(each.remedy());
            }
            else {
                description.append("\n  - ").append(each.problem());
                action.append("\n  - ").append(each.remedy());
            }
        }
        return new FailureAnalysis(description.toString(), action.toString(), clash);
    }

    /** A file or folder the server could not create, open or write: what, why, and what to do. */
    private static FailureAnalysis fileSystem(FileSystemException problem, Throwable failure) {
        String file = problem.getFile() == null ? "(unknown file)" : Path.of(problem.getFile()).toAbsolutePath()
                .normalize().toString();
        String user = System.getProperty("user.name");
        String context = contextOf(failure, problem);
        if (problem instanceof AccessDeniedException) {
            Path folder = Path.of(file).getParent();
            return new FailureAnalysis("permission denied on " + file + " for the user " + user
                    + " running the server" + context,
                    "Let " + user + " write the folder " + folder + " and the files in it (chown or chmod), run "
                            + "the server as their owner, or choose a folder it may write with "
                            + "--keystonelight.storage.data-file=... and --keystonelight.pid-file=...",
                    problem);
        }
        if (problem instanceof NoSuchFileException) {
            return new FailureAnalysis("no such file or folder: " + file + context,
                    "Create the folder, or correct --keystonelight.storage.data-file or --keystonelight.pid-file",
                    problem);
        }
        String reason = problem.getReason() == null ? problem.getClass().getSimpleName()
                : problem.getReason().toLowerCase(Locale.ROOT);
        return new FailureAnalysis(reason + " on " + file + context,
                "Check that the folder of " + file + " is a folder, on a file system mounted read-write and with free "
                        + "space, that " + user + " may write; the data and PID files can be placed elsewhere with "
                        + "--keystonelight.storage.data-file=... and --keystonelight.pid-file=...",
                problem);
    }

    /** What the server was doing, from the message of the exception that wraps the file problem. */
    private static String contextOf(Throwable failure, Throwable problem) {
        for (Throwable cause = failure; cause != null && cause != problem; cause = cause.getCause()) {
            if (cause.getCause() == problem && cause.getMessage() != null
                    && !cause.getClass().getName().startsWith("org.springframework.")) {
                String message = cause.getMessage();
                int colon = message.indexOf(": ");
                return " (" + (colon > 0 ? message.substring(0, colon) : message) + ")";
            }
        }
        return "";
    }
}
