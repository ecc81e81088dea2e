package io.keystonelight.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged jar run as the command-line client, as a user or a script runs it.
 *
 * @param exitStatus the process's exit status
 * @param stdout everything it printed on stdout
 * @param stderr everything it printed on stderr
 * @param took from start to exit
 */
public record ClientProcess(int exitStatus, String stdout, String stderr, Duration took) {

    /** Runs {@code java [jvmOptions] -jar keystonelight.jar arguments} in {@code folder}. */
    public static ClientProcess run(Path folder, List<String> jvmOptions, String... arguments) {
        return run(folder, Map.of(), jvmOptions, arguments);
    }

    /** As {@link #run(Path, List, String...)}, with {@code environment} added to this process's. */
    public static ClientProcess run(Path folder, Map<String, String> environment, List<String> jvmOptions,
            String... arguments) {
        List<String> command = new ArrayList<>(jvmOptions);
        command.add("-jar");
        command.add(ServerProcess.jar().toString());
        command.addAll(List.of(arguments));
        return of(ChildProcess.java(command).in(folder).environment(environment).errorsApart()
                .run(Duration.ofSeconds(60)));
    }

    /** What a {@code java} command run with {@link ChildProcess} left, as a client's run. */
    public static ClientProcess of(ChildProcess.Finished finished) {
        return new ClientProcess(finished.exitStatus(), finished.text(), finished.errorText(), finished.took());
    }

    public static ClientProcess run(Path folder, String... arguments) {
        return run(folder, List.of(), arguments);
    }
}
