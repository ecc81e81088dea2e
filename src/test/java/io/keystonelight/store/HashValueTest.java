package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The packed hash against a plain ordered map, through random sets, updates and deletes. */
class HashValueTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> contents(HashValue hash) {
        Map<String, String> out = new LinkedHashMap<>();
        hash.forEach((field, value) -> out.put(new String(field, StandardCharsets.UTF_8),
                new String(value, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void randomChangesLeaveTheSameFieldsInTheSameOrderAsAnOrderedMap() {
        Random random = new Random(7);
        for (int fields : new int[] { 5, 40, 600, HashValue.MAX_PACKED + 300 }) {
            HashValue hash = new HashValue();
            LinkedHashMap<String, String> model = new LinkedHashMap<>();
            for (int step = 0; step < fields * 4; step++) {
                String field = "f" + random.nextInt(fields);
                if (random.nextInt(4) == 0) {
                    assertThat(hash.remove(bytes(field))).isEqualTo(model.remove(field) != null);
                }
                else {
                    // Values of every length, so that updates grow and shrink entries in place.
                    String value = "v".repeat(random.nextInt(300));
                    boolean fresh = !model.containsKey(field);
                    model.put(field, value);
                    assertThat(hash.put(bytes(field), bytes(value))).isEqualTo(fresh);
                }
                if (step % 97 == 0) {
                    // A published copy must not change when the original does.
                    HashValue copy = hash.copy();
                    Map<String, String> before = contents(copy);
                    hash.put(bytes("extra"), bytes("x"));
                    hash.remove(bytes("extra"));
                    assertThat(contents(copy)).isEqualTo(before);
                    hash = copy;
                }
            }
            assertThat(hash.size()).isEqualTo(model.size());
            assertThat(new ArrayList<>(contents(hash).entrySet())).isEqualTo(new ArrayList<>(model.entrySet()));
            for (int i = 0; i < fields; i++) {
                String expected = model.get("f" + i);
                byte[] actual = hash.get(bytes("f" + i));
                assertThat(actual == null ? null : new String(actual, StandardCharsets.UTF_8)).isEqualTo(expected);
                assertThat(hash.contains(bytes("f" + i))).isEqualTo(expected != null);
            }
            List<String> fieldsInOrder = hash.fields().stream().map(f -> new String(f, StandardCharsets.UTF_8)).toList();
            assertThat(fieldsInOrder).containsExactlyElementsOf(model.keySet());
        }
    }
}
