package io.keystonelight.lifecycle;

import java.util.List;
import java.util.stream.Collectors;

/** What another server already holds that this one needs: ports, the data file. */
public class StartupClashException extends RuntimeException {

    private final List<Clash> clashes;

    StartupClashException(List<Clash> clashes) {
        super(clashes.stream().map(Clash::problem).collect(Collectors.joining("; ")));
        this.clashes = List.copyOf(clashes);
    }

    public List<Clash> clashes() {
        return this.clashes;
    }

    /** One thing taken, and what the operator can do about it. */
    public record Clash(String problem, String remedy) {
    }
}
