package io.keystonelight.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.keystonelight.cluster.LinearizabilityChecker.Kind;
import io.keystonelight.cluster.LinearizabilityChecker.Op;

/**
 * What clients of a cluster saw, for {@link LinearizabilityChecker}: each reply read as the
 * outcome it stands for, and each reply or failure no correct cluster gives kept as a surprise
 * that fails the test.
 */
final class RegisterHistory {

    private final List<Op> ops = Collections.synchronizedList(new ArrayList<>());

    private final List<Throwable> surprises = Collections.synchronizedList(new ArrayList<>());

    /**
     * Adds what {@code reply} says happened ({@code null}: the connection went away first). The
     * errors a cluster may give are told apart: a refused write changed nothing, a write of
     * unknown outcome may or may not have happened, an unserved read says nothing. Any other
     * reply throws.
     */
    void record(String key, Kind kind, String value, String reply, long invoked, long returned) {
        boolean write = kind != Kind.GET;
        if (reply == null || write && reply.startsWith("ERR outcome unknown: ")) {
            if (write) {
                this.ops.add(new Op(key, kind, value, 0, invoked, Long.MAX_VALUE));
            }
            return;
        }
        if (write && reply.startsWith("ERR write not persisted, nothing was changed: ")) {
            return;
        }
        if (!write && reply.startsWith("ERR read not served: ")) {
            return;
        }
        switch (kind) {
            case SET -> {
                expect(reply.equals("OK"), kind, reply, "OK");
                this.ops.add(new Op(key, kind, value, 0, invoked, returned));
            }
            case GET -> {
                expect(reply.equals("NOT_FOUND") || reply.startsWith("VALUE "), kind, reply, "NOT_FOUND or VALUE ...");
                String read = reply.equals("NOT_FOUND") ? null : reply.substring("VALUE ".length());
                this.ops.add(new Op(key, kind, read, 0, invoked, returned));
            }
            case DELETE -> {
                expect(reply.equals("DELETED 0") || reply.equals("DELETED 1"), kind, reply, "DELETED 0 or DELETED 1");
                this.ops.add(new Op(key, kind, null, Integer.parseInt(reply.substring("DELETED ".length())),
                        invoked, returned));
            }
        }
    }

    static void expect(boolean met, Kind kind, String reply, String expected) {
        if (!met) {
            throw new AssertionError("a " + kind + " was answered '" + reply + "', where " + expected + ", a refusal "
                    + "('ERR write not persisted, ...'), an unknown outcome ('ERR outcome unknown: ...') or, for a "
                    + "read, 'ERR read not served: ...' was expected");
        }
    }

    void surprise(Throwable surprise) {
        this.surprises.add(surprise);
    }

    void assertNoSurprise() {
        synchronized (this.surprises) {
            if (!this.surprises.isEmpty()) {
                AssertionError failure = new AssertionError(this.surprises.size() + " client(s) stopped on a reply "
                        + "or failure no correct cluster gives; the first: " + this.surprises.get(0),
                        this.surprises.get(0));
                this.surprises.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }
        }
    }

    int size() {
        return this.ops.size();
    }

    List<Op> ops() {
        synchronized (this.ops) {
            return new ArrayList<>(this.ops);
        }
    }

    /** Waits until {@code more} operations were added, failing on a surprise or when {@code timeout} passes first. */
    void awaitMore(int more, Duration timeout) throws InterruptedException {
        int target = size() + more;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (size() < target) {
            assertNoSurprise();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("clients made no progress: " + size() + " of " + target + " operations");
            }
            Thread.sleep(50);
        }
    }
}
