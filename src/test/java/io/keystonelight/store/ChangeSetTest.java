package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ChangeSetTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsEachKeysLastValueAndDeadlineInTheOrderFirstChangedAcrossGrowthAndGroups() {
        ChangeSet changes = new ChangeSet();
        // Groups of 10, then of 3000 (past what is kept between groups), then of 10 again.
        for (int keys : new int[] { 10, 3000, 10 }) {
            for (int i = 0; i < keys; i++) {
                changes.setValue(bytes("key" + i), "first" + i);
                if (i % 3 == 0) {
                    changes.setDeadline(bytes("key" + i), 1000 + i);
                }
            }
            for (int i = 0; i < keys; i += 2) {
                changes.setValue(bytes("key" + i), "second" + i);
            }
            changes.setDeadline(bytes("deadline-only"), 7);
            assertThat(changes.size()).as("keys changed in a group of %d", keys).isEqualTo(keys + 1);
            List<String> order = new ArrayList<>();
            for (int entry = 0; entry < changes.size(); entry++) {
                order.add(new String(changes.key(entry), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < keys; i++) {
                assertThat(order.get(i)).isEqualTo("key" + i);
                int entry = changes.find(bytes("key" + i));
                assertThat(entry).as("entry of key%d", i).isEqualTo(i);
                assertThat(changes.value(entry)).isEqualTo((i % 2 == 0 ? "second" : "first") + i);
                assertThat(changes.deadlineChanged(entry)).isEqualTo(i % 3 == 0);
                if (i % 3 == 0) {
                    assertThat(changes.deadline(entry)).isEqualTo(1000 + i);
                }
            }
            int deadlineOnly = changes.find(bytes("deadline-only"));
            assertThat(deadlineOnly).isEqualTo(keys);
            assertThat(changes.value(deadlineOnly)).as("value of a key whose deadline alone changed").isNull();
            assertThat(changes.deadline(deadlineOnly)).isEqualTo(7);
            assertThat(changes.find(bytes("key" + keys))).as("a key the group did not change").isEqualTo(-1);

            changes.clear();
            assertThat(changes.size()).isZero();
            assertThat(changes.find(bytes("key0"))).as("a key of the last group, after clear").isEqualTo(-1);
            assertThat(changes.valueOf(bytes("deadline-only"))).isNull();
        }
        changes.setValue(bytes("key1"), "again");
        int entry = changes.find(bytes("key1"));
        assertThat(entry).isZero();
        assertThat(changes.deadlineChanged(entry)).as("a deadline change of a group before").isFalse();
    }
}
