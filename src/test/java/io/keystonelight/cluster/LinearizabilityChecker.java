package io.keystonelight.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Wing and Gong's linearizability check (with Lowe's memo of visited configurations) for a
 * key-value store whose operations touch one key each. Linearizability is local, so each key's
 * history is checked on its own against a register: {@code set} writes it, {@code get} reads it,
 * {@code delete} clears it and answers whether it existed.
 *
 * <p>An operation whose outcome is unknown (no reply, or an ERR that says so) has no response
 * time: it may take effect at any point after it was invoked, or never.
 */
final class LinearizabilityChecker {

    enum Kind {
        SET, GET, DELETE;

        /** The register clients' mix: 40% overwrites, 50% reads, 10% deletes. */
        static Kind pick(java.util.Random random) {
            int pick = random.nextInt(10);
            return pick < 4 ? SET : pick < 9 ? GET : DELETE;
        }

        /** The text protocol's request for this operation on {@code key}. */
        String request(String key, String value) {
            return switch (this) {
                case SET -> "set " + key + " " + value;
                case GET -> "get " + key;
                case DELETE -> "delete " + key;
            };
        }
    }

    /**
     * @param invoked when the request was sent (System.nanoTime)
     * @param returned when the reply arrived; {@link Long#MAX_VALUE} when the outcome is unknown
     * @param value what {@code set} wrote, what {@code get} read ({@code null}: not found)
     * @param deleted what {@code delete} answered (0 or 1); unused otherwise
     */
    record Op(String key, Kind kind, String value, int deleted, long invoked, long returned) {

        boolean known() {
            return this.returned != Long.MAX_VALUE;
        }
    }

    /** The first key whose history is not linearizable, or {@code null} when all are. */
    static String firstViolation(List<Op> history) {
        Map<String, List<Op>> byKey = new HashMap<>();
        for (Op op : history) {
            if (op.kind() == Kind.GET && !op.known()) {
                continue; // a read that did not answer changes nothing
            }
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<String, List<Op>> key : byKey.entrySet()) {
            if (!linearizable(key.getValue())) {
                return key.getKey();
            }
        }
        return null;
    }

    /** Whether one key's operations can be put in an order that respects real time and the register. */
    static boolean linearizable(List<Op> ops) {
        int n = ops.size();
        int mustLinearize = (int) ops.stream().filter(Op::known).count();
        return search(ops, new BitSet(n), 0, mustLinearize, null, new HashSet<>());
    }

    private record Configuration(BitSet done, String state) {
    }

    private static boolean search(List<Op> ops, BitSet done, int knownDone, int mustLinearize, String state,
            Set<Configuration> seen) {
        if (knownDone == mustLinearize) {
            return true;
        }
        // An operation can come next only if no pending operation returned before it was invoked.
        long earliestReturn = Long.MAX_VALUE;
        for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
            earliestReturn = Math.min(earliestReturn, ops.get(i).returned());
        }
        for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
            Op op = ops.get(i);
            if (op.invoked() > earliestReturn) {
                continue;
            }
            String next;
            switch (op.kind()) {
                case SET -> next = op.value();
                case GET -> {
                    if (!Objects.equals(state, op.value())) {
                        continue;
                    }
                    next = state;
                }
                case DELETE -> {
                    if (op.known() && op.deleted() != (state == null ? 0 : 1)) {
                        continue;
                    }
                    next = null;
                }
                default -> throw new IllegalStateException();
            }
            BitSet after = (BitSet) done.clone();
            after.set(i);
            if (!seen.add(new Configuration(after, next))) {
                continue;
            }
            if (search(ops, after, knownDone + (op.known() ? 1 : 0), mustLinearize, next, seen)) {
                return true;
            }
        }
        return false;
    }

    private LinearizabilityChecker() {
    }
}
