package io.keystonelight.store;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * A sorted set: members with a score each, ordered by score, then by member bytes, as Redis
 * orders them. Never changed once the store published it (see {@link HashValue}).
 */
public final class SortedSetValue {

    /** A member and its score, in the set's order. */
    public record Entry(double score, byte[] member) {
    }

    public static final Comparator<Entry> ORDER = (a, b) -> {
        int byScore = Double.compare(a.score, b.score);
        return byScore != 0 ? byScore : Arrays.compareUnsigned(a.member, b.member);
    };

    private final HashMap<ByteKey, Double> scores;

    private final TreeSet<Entry> ordered;

    public SortedSetValue() {
        this.scores = new HashMap<>();
        this.ordered = new TreeSet<>(ORDER);
    }

    private SortedSetValue(HashMap<ByteKey, Double> scores, TreeSet<Entry> ordered) {
        this.scores = scores;
        this.ordered = ordered;
    }

    /** The member's score, or {@code null}. */
    public Double score(byte[] member) {
        return this.scores.get(new ByteKey(member));
    }

    public int size() {
        return this.scores.size();
    }

    /** Every entry, lowest score first; not to be changed. */
    public NavigableSet<Entry> entries() {
        return java.util.Collections.unmodifiableNavigableSet(this.ordered);
    }

    /** The member's rank, 0 for the lowest score, or -1. Linear in the rank. */
    public int rank(byte[] member) {
        Double score = score(member);
        if (score == null) {
            return -1;
        }
        return this.ordered.headSet(new Entry(score, member), false).size();
    }

    /** The entry at {@code rank}, 0 for the lowest; in range. */
    public Entry at(int rank) {
        Iterator<Entry> it = rank <= this.ordered.size() / 2 ? this.ordered.iterator() : null;
        if (it != null) {
            for (int i = 0; i < rank; i++) {
                it.next();
            }
            return it.next();
        }
        Iterator<Entry> down = this.ordered.descendingIterator();
        for (int i = this.ordered.size() - 1; i > rank; i--) {
            down.next();
        }
        return down.next();
    }

    /** @return whether the member is new */
    boolean put(byte[] member, double score) {
        ByteKey key = new ByteKey(member);
        Double previous = this.scores.put(key, score);
        if (previous != null) {
            this.ordered.remove(new Entry(previous, key.bytes()));
        }
        this.ordered.add(new Entry(score, key.bytes()));
        return previous == null;
    }

    boolean remove(byte[] member) {
        Double previous = this.scores.remove(new ByteKey(member));
        if (previous == null) {
            return false;
        }
        this.ordered.remove(new Entry(previous, member));
        return true;
    }

    SortedSetValue copy() {
        return new SortedSetValue(new HashMap<>(this.scores), new TreeSet<>(this.ordered));
    }
}
