package io.keystonelight.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.keystonelight.cluster.LinearizabilityChecker.Kind;
import io.keystonelight.cluster.LinearizabilityChecker.Op;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker must accept what a register allows and reject histories known to be bad. */
class LinearizabilityCheckerTest {

    private static final long UNKNOWN = Long.MAX_VALUE;

    private static Op set(String value, long from, long to) {
        return new Op("k", Kind.SET, value, 0, from, to);
    }

    private static Op get(String value, long from, long to) {
        return new Op("k", Kind.GET, value, 0, from, to);
    }

    private static Op delete(int deleted, long from, long to) {
        return new Op("k", Kind.DELETE, null, deleted, from, to);
    }

    @Test
    void acceptsConcurrentOperationsInEitherOrder() {
        // set 1 and set 2 overlap; readers may see them in either order, but consistently.
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 10), set("2", 5, 15), get("2", 16, 20),
                get("2", 21, 22)))).isNull();
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 10), set("2", 5, 15), get("1", 16, 20))))
                .isNull();
        // A read overlapping a write may see the old or the new value.
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), set("2", 2, 10), get("1", 3, 4),
                get("2", 5, 6)))).isNull();
    }

    @Test
    void rejectsAStaleReadAfterAnAcknowledgedWrite() {
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), set("2", 2, 3), get("1", 4, 5))))
                .isEqualTo("k");
    }

    @Test
    void rejectsAValueThatGoesBackInTime() {
        // Two overlapping writes; one reader sees 2 then a later reader sees 1: not a register.
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 10), set("2", 0, 10), get("2", 11, 12),
                get("1", 13, 14)))).isEqualTo("k");
    }

    @Test
    void rejectsAReadOfAValueNeverWrittenAndAWrongDeleteCount() {
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), get("3", 2, 3)))).isEqualTo("k");
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), delete(0, 2, 3)))).isEqualTo("k");
        assertThat(LinearizabilityChecker.firstViolation(List.of(delete(1, 0, 1)))).isEqualTo("k");
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), delete(1, 2, 3), get(null, 4, 5))))
                .isNull();
    }

    @Test
    void anUnknownOutcomeMayHaveHappenedLaterOrNever() {
        // The write got no reply: a later read may see it or not, but not see it and then lose it.
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), set("2", 2, UNKNOWN),
                get("1", 10, 11), get("2", 12, 13)))).isNull();
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), set("2", 2, UNKNOWN),
                get("1", 10, 11)))).isNull();
        assertThat(LinearizabilityChecker.firstViolation(List.of(set("1", 0, 1), set("2", 2, UNKNOWN),
                get("2", 10, 11), get("1", 12, 13)))).isEqualTo("k");
    }

    @Test
    void copesWithALongSequentialHistory() {
        Random random = new Random(7);
        List<Op> history = new ArrayList<>();
        String state = null;
        long t = 0;
        for (int i = 0; i < 1000; i++) {
            int pick = random.nextInt(3);
            if (pick == 0) {
                state = "v" + i;
                history.add(set(state, t, t + 1));
            }
            else if (pick == 1) {
                history.add(get(state, t, t + 1));
            }
            else {
                history.add(delete(state == null ? 0 : 1, t, t + 1));
                state = null;
            }
            t += 2;
        }
        assertThat(LinearizabilityChecker.firstViolation(history)).isNull();
        history.add(get("never", t, t + 1));
        assertThat(LinearizabilityChecker.firstViolation(history)).isEqualTo("k");
    }
}
