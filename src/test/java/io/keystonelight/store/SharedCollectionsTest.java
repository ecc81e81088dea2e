package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Sets and lists against plain Java collections through random changes, with a copy taken every
 * few changes as the store takes one per group: the copy and the original share chunks, and a
 * change to either must never show in the other.
 */
class SharedCollectionsTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(List<byte[]> values) {
        List<String> out = new ArrayList<>(values.size());
        values.forEach(value -> out.add(new String(value, StandardCharsets.UTF_8)));
        return out;
    }

    /** The old set: an array of members and a map of where each is, the last moved into a gap. */
    private static final class ModelSet {

        final List<String> members = new ArrayList<>();

        final Map<String, Integer> positions = new HashMap<>();

        boolean add(String member) {
            if (this.positions.putIfAbsent(member, this.members.size()) != null) {
                return false;
            }
            this.members.add(member);
            return true;
        }

        boolean remove(String member) {
            Integer at = this.positions.remove(member);
            if (at == null) {
                return false;
            }
            String last = this.members.remove(this.members.size() - 1);
            if (at < this.members.size()) {
                this.members.set(at, last);
                this.positions.put(last, at);
            }
            return true;
        }

        ModelSet copy() {
            ModelSet copy = new ModelSet();
            copy.members.addAll(this.members);
            copy.positions.putAll(this.positions);
            return copy;
        }
    }

    @Test
    void aSetAndItsCopiesKeepTheMembersInTheOrderOfAnArrayWithAMap() {
        Random random = new Random(19);
        for (int range : new int[] { 3, 50, 3000, 40_000 }) {
            SetValue set = new SetValue();
            ModelSet model = new ModelSet();
            List<SetValue> published = new ArrayList<>();
            List<List<String>> publishedMembers = new ArrayList<>();
            for (int step = 0; step < range * 6; step++) {
                String member = "m" + random.nextInt(range);
                // Adds outnumber removes while the set fills, then removes empty it again.
                boolean add = step < range * 3 ? random.nextInt(4) != 0 : random.nextInt(4) == 0;
                if (add) {
                    assertThat(set.add(bytes(member))).as("add %s at step %d", member, step).isEqualTo(model.add(member));
                }
                else {
                    assertThat(set.remove(bytes(member))).as("remove %s at step %d", member, step)
                            .isEqualTo(model.remove(member));
                }
                if (random.nextInt(Math.max(2, range / 20)) == 0) {
                    // What the store does per group: publish this one, go on changing a copy.
                    published.add(set);
                    publishedMembers.add(List.copyOf(model.members));
                    set = set.copy();
                    model = model.copy();
                }
            }
            assertThat(strings(set.members())).as("members of a set over %d values", range).isEqualTo(model.members);
            assertThat(set.size()).isEqualTo(model.members.size());
            for (String member : model.members) {
                assertThat(set.contains(bytes(member))).as("contains %s", member).isTrue();
            }
            for (int i = 0; i < model.members.size(); i++) {
                assertThat(new String(set.member(i), StandardCharsets.UTF_8)).isEqualTo(model.members.get(i));
            }
            for (int i = 0; i < published.size(); i++) {
                assertThat(strings(published.get(i).members()))
                        .as("set %d of %d over %d values, unchanged since it was copied", i, published.size(), range)
                        .isEqualTo(publishedMembers.get(i));
                for (String member : publishedMembers.get(i)) {
                    assertThat(published.get(i).contains(bytes(member))).isTrue();
                }
            }
        }
    }

    @Test
    void aListAndItsCopiesKeepTheElementsOfADeque() {
        Random random = new Random(23);
        for (int length : new int[] { 5, 300, 5000 }) {
            ListValue list = new ListValue();
            ArrayDeque<String> model = new ArrayDeque<>();
            List<ListValue> published = new ArrayList<>();
            List<List<String>> publishedElements = new ArrayList<>();
            int next = 0;
            for (int step = 0; step < length * 8; step++) {
                boolean push = step < length * 4 ? random.nextInt(3) != 0 : random.nextInt(3) == 0;
                boolean head = random.nextBoolean();
                if (push || model.isEmpty()) {
                    String element = "e" + next++;
                    if (head) {
                        list.addFirst(bytes(element));
                        model.addFirst(element);
                    }
                    else {
                        list.addLast(bytes(element));
                        model.addLast(element);
                    }
                }
                else if (random.nextInt(20) == 0) {
                    int index = random.nextInt(model.size());
                    List<String> elements = new ArrayList<>(model);
                    elements.remove(index);
                    list.removeAt(index);
                    model.clear();
                    model.addAll(elements);
                }
                else {
                    String popped = new String(head ? list.removeFirst() : list.removeLast(), StandardCharsets.UTF_8);
                    assertThat(popped).as("pop at step %d", step).isEqualTo(head ? model.removeFirst() : model.removeLast());
                }
                if (random.nextInt(Math.max(2, length / 20)) == 0) {
                    published.add(list);
                    publishedElements.add(List.copyOf(model));
                    list = list.copy();
                }
            }
            assertThat(strings(list.range(0, list.size() - 1))).as("elements of a list of up to %d", length)
                    .isEqualTo(new ArrayList<>(model));
            for (int i = 0; i < published.size(); i++) {
                ListValue old = published.get(i);
                assertThat(strings(old.range(0, old.size() - 1)))
                        .as("list %d of %d, unchanged since it was copied", i, published.size())
                        .isEqualTo(publishedElements.get(i));
            }
        }
    }
}
