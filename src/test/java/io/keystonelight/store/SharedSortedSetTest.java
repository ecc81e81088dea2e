package io.keystonelight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/**
 * Sorted sets against a Java map and tree set through random adds, score changes and removals,
 * with a copy taken every few changes as the store takes one per group. The copy and the original
 * share nodes and chunks; either side goes on changing, and a change to one must never show in
 * the other: order, scores, ranks, lookups by rank and by a lower bound of scores all stay exact
 * on both.
 */
class SharedSortedSetTest {

    /**
     * Members as Latin-1 text: each character is one byte, so the order of the strings is Redis's
     * order of the bytes, unsigned.
     */
    private record Scored(double score, String member) {
    }

    private static final Comparator<Scored> ORDER = Comparator.comparing(Scored::score, Double::compare)
            .thenComparing(Scored::member);

    private static final double[] SCORES = { Double.NEGATIVE_INFINITY, -2.5, -1, -0.0, 0.0, 1, 1.5, 3, 7.25, 1e300,
            Double.POSITIVE_INFINITY };

    private static byte[] bytes(String member) {
        return member.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String member(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static final class Model {

        final Map<String, Double> scores = new HashMap<>();

        final TreeSet<Scored> ordered = new TreeSet<>(ORDER);

        boolean put(String member, double score) {
            Double previous = this.scores.put(member, score);
            if (previous != null) {
                this.ordered.remove(new Scored(previous, member));
            }
            this.ordered.add(new Scored(score, member));
            return previous == null;
        }

        boolean remove(String member) {
            Double previous = this.scores.remove(member);
            if (previous == null) {
                return false;
            }
            this.ordered.remove(new Scored(previous, member));
            return true;
        }
    }

    @Test
    void aSortedSetAndItsCopiesKeepTheOrderScoresAndRanksOfAMapAndATreeSet() {
        Random random = new Random(19);
        for (int range : new int[] { 3, 50, 3000, 10_000 }) {
            SortedSetValue zset = new SortedSetValue();
            Model model = new Model();
            List<SortedSetValue> frozen = new ArrayList<>();
            List<List<Scored>> frozenEntries = new ArrayList<>();
            for (int step = 0; step < range * 6; step++) {
                // Some members start with a byte above 0x7f, which sorts after every ASCII one.
                String member = (random.nextInt(8) == 0 ? "\u00e9" : "m") + random.nextInt(range);
                // Adds outnumber removes while the set fills, then removes empty it again.
                boolean add = step < range * 3 ? random.nextInt(4) != 0 : random.nextInt(4) == 0;
                if (add) {
                    double score = random.nextBoolean() ? SCORES[random.nextInt(SCORES.length)]
                            : random.nextInt(range) / 4.0;
                    assertThat(zset.put(bytes(member), score)).as("put %s %s at step %d", member, score, step)
                            .isEqualTo(model.put(member, score));
                }
                else {
                    assertThat(zset.remove(bytes(member))).as("remove %s at step %d", member, step)
                            .isEqualTo(model.remove(member));
                }
                assertThat(zset.score(bytes(member))).as("score of %s at step %d", member, step)
                        .isEqualTo(model.scores.get(member));
                if (random.nextInt(Math.max(2, range / 5)) == 0) {
                    // What the store does per group: publish one, go on changing a copy. Here
                    // either side goes on, so that both must give up what they share.
                    SortedSetValue copy = zset.copy();
                    boolean originalGoesOn = random.nextBoolean();
                    frozen.add(originalGoesOn ? copy : zset);
                    frozenEntries.add(new ArrayList<>(model.ordered));
                    zset = originalGoesOn ? zset : copy;
                }
            }
            assertSame(zset, new ArrayList<>(model.ordered), random, "the set over " + range + " members");
            for (int i = 0; i < frozen.size(); i++) {
                assertSame(frozen.get(i), frozenEntries.get(i), random,
                        "copy " + i + " of " + frozen.size() + " over " + range + " members, unchanged since it was taken");
            }
        }
    }

    private static void assertSame(SortedSetValue zset, List<Scored> expected, Random random, String what) {
        assertThat(zset.size()).as("size of %s", what).isEqualTo(expected.size());
        List<Scored> ascending = new ArrayList<>();
        zset.entries().forEach(entry -> ascending.add(new Scored(entry.score(), member(entry.member()))));
        assertThat(ascending).as("entries of %s, lowest first", what).isEqualTo(expected);
        List<Scored> descending = new ArrayList<>();
        zset.from(0, true).forEachRemaining(entry -> descending.add(new Scored(entry.score(), member(entry.member()))));
        List<Scored> reversed = new ArrayList<>(expected);
        Collections.reverse(reversed);
        assertThat(descending).as("entries of %s, highest first", what).isEqualTo(reversed);
        // Compared as whole lists: an assertion per entry made the test slow, not stricter.
        List<Integer> ranks = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<Scored> atRanks = new ArrayList<>();
        List<Integer> expectedRanks = new ArrayList<>();
        List<Double> expectedScores = new ArrayList<>();
        for (int rank = 0; rank < expected.size(); rank++) {
            Scored entry = expected.get(rank);
            ranks.add(zset.rank(bytes(entry.member())));
            scores.add(zset.score(bytes(entry.member())));
            SortedSetValue.Entry at = zset.at(rank);
            atRanks.add(new Scored(at.score(), member(at.member())));
            expectedRanks.add(rank);
            expectedScores.add(entry.score());
        }
        assertThat(ranks).as("the rank of each member of %s, lowest first", what).isEqualTo(expectedRanks);
        assertThat(scores).as("the score of each member of %s, lowest first", what).isEqualTo(expectedScores);
        assertThat(atRanks).as("the entry at each rank of %s", what).isEqualTo(expected);
        for (int i = 0; i < 4; i++) {
            double bound = i % 2 == 0 ? SCORES[random.nextInt(SCORES.length)]
                    : random.nextInt(Math.max(1, expected.size())) / 4.0;
            for (boolean inclusive : new boolean[] { true, false }) {
                int first = 0;
                while (first < expected.size() && !(inclusive ? expected.get(first).score() >= bound
                        : expected.get(first).score() > bound)) {
                    first++;
                }
                assertThat(zset.firstRank(entry -> inclusive ? entry.score() >= bound : entry.score() > bound))
                        .as("rank of the first score %s %s in %s", inclusive ? ">=" : ">", bound, what).isEqualTo(first);
            }
        }
        assertThat(zset.rank(bytes("absent"))).as("rank of a member not in %s", what).isEqualTo(-1);
        assertThat(zset.score(bytes("absent"))).as("score of a member not in %s", what).isNull();
        if (!expected.isEmpty()) {
            int from = random.nextInt(expected.size());
            Iterator<SortedSetValue.Entry> up = zset.from(from, false);
            Iterator<SortedSetValue.Entry> down = zset.from(from, true);
            for (int i = from; i < expected.size(); i++) {
                assertThat(member(up.next().member())).as("member %d from rank %d up in %s", i, from, what)
                        .isEqualTo(expected.get(i).member());
                assertThat(member(down.next().member())).as("member %d from rank %d down in %s", i, from, what)
                        .isEqualTo(expected.get(expected.size() - 1 - i).member());
            }
            assertThat(up.hasNext()).as("more after the highest of %s", what).isFalse();
            assertThat(down.hasNext()).as("more after the lowest of %s", what).isFalse();
        }
    }
}
