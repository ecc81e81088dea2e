package io.keystonelight.store;

import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * A sorted set: members with a score each, ordered by score, then by member bytes, as Redis
 * orders them. Never changed once the store published it (see {@link HashValue}).
 *
 * <p>Each group of writes changes its own copy of the set, so a copy must cost little: a copy of
 * a hash map and a tree of the whole set per group made ZADD into a large key cost its size per
 * fsync (issue 19). The members and their scores are a {@link SetValue} with the scores beside it
 * by position, {@link SharedChunks} both; the order is a B+-tree whose nodes a copy shares. A
 * node belongs to the copy that made it ({@code owner}); a write copies the nodes on its path that
 * it does not own, and a copy gives up ownership on both sides, so neither changes what the other
 * sees. Every node counts its subtree's entries, which makes rank and lookup by rank O(log n).
 */
public final class SortedSetValue {

    /** A member and its score, in the set's order. */
    public record Entry(double score, byte[] member) {
    }

    public static final Comparator<Entry> ORDER = (a, b) -> compare(a.score, a.member, b.score, b.member);

    /** Entries in a leaf, children of an inner node; a node copied on write costs about this many slots. */
    private static final int MAX = 64;

    /** Below this a node takes from or merges with a neighbour, which keeps the tree's height logarithmic. */
    private static final int MIN = MAX / 4;

    private SetValue members;

    /** Each member's score ({@link Double#doubleToRawLongBits}), at the member's position in {@link #members}. */
    private SharedChunks.Longs scores;

    private Node root;

    /** Marks the nodes this copy made and may change in place. */
    private Object owner = new Object();

    public SortedSetValue() {
        this.members = new SetValue();
        this.scores = new SharedChunks.Longs(this.members.capacity());
        this.root = new Node(this.owner, true);
    }

    private SortedSetValue(SortedSetValue from) {
        this.members = from.members.copy();
        this.scores = from.scores.copy();
        this.root = from.root;
        from.owner = new Object();
    }

    /**
     * A leaf holds entries; an inner node holds children, and for each the lowest key that may be
     * in it: no more than any entry in that child's subtree and more than every entry before it. A
     * removal leaves the key as it was, which keeps both true.
     */
    private static final class Node {

        final Object owner;

        int n;

        /** Entries in the subtree. */
        int size;

        final double[] scores = new double[MAX];

        final byte[][] members = new byte[MAX][];

        final Node[] children;

        Node(Object owner, boolean leaf) {
            this.owner = owner;
            this.children = leaf ? null : new Node[MAX];
        }

        boolean leaf() {
            return this.children == null;
        }

        Node copy(Object owner) {
            Node copy = new Node(owner, leaf());
            copy.n = this.n;
            copy.size = this.size;
            System.arraycopy(this.scores, 0, copy.scores, 0, this.n);
            System.arraycopy(this.members, 0, copy.members, 0, this.n);
            if (this.children != null) {
                System.arraycopy(this.children, 0, copy.children, 0, this.n);
            }
            return copy;
        }
    }

    private static int compare(double score, byte[] member, double otherScore, byte[] otherMember) {
        int byScore = Double.compare(score, otherScore);
        return byScore != 0 ? byScore : Arrays.compareUnsigned(member, otherMember);
    }

    /** The member's score, or {@code null}. */
    public Double score(byte[] member) {
        int at = this.members.position(member);
        return at < 0 ? null : scoreAt(at);
    }

    public int size() {
        return this.members.size();
    }

    /** Every entry, lowest score first. */
    public Collection<Entry> entries() {
        return new AbstractCollection<>() {

            @Override
            public Iterator<Entry> iterator() {
                return from(0, false);
            }

            @Override
            public int size() {
                return SortedSetValue.this.size();
            }
        };
    }

    /**
     * The entries from {@code rank} on, lowest score first, or highest first if {@code reverse}
     * (the rank counted from the highest then, as ZREVRANGE counts); finding the first is O(log n).
     */
    public Iterator<Entry> from(int rank, boolean reverse) {
        return new Cursor(reverse ? size() - 1 - rank : rank, reverse ? -1 : 1);
    }

    /** The member's rank, 0 for the lowest score, or -1. */
    public int rank(byte[] member) {
        int at = this.members.position(member);
        if (at < 0) {
            return -1;
        }
        double score = scoreAt(at);
        int rank = 0;
        Node node = this.root;
        while (!node.leaf()) {
            int child = childFor(node, score, member);
            for (int i = 0; i < child; i++) {
                rank += node.children[i].size;
            }
            node = node.children[child];
        }
        return rank + search(node, score, member);
    }

    /**
     * The rank of the first entry that {@code reached} holds for, or the size if none: O(log n)
     * for a test that, once it holds, holds for every later entry too (a range's lower bound).
     * A key of an inner node is at most its child's first entry and above every entry before, so
     * the first entry sought is in the last child whose key the test does not hold for, or is the
     * first entry after that child.
     */
    public int firstRank(Predicate<Entry> reached) {
        int rank = 0;
        Node node = this.root;
        while (!node.leaf()) {
            int child = firstReached(node, 1, reached) - 1;
            for (int i = 0; i < child; i++) {
                rank += node.children[i].size;
            }
            node = node.children[child];
        }
        return rank + firstReached(node, 0, reached);
    }

    /** The first slot from {@code from} on whose key {@code reached} holds for, or the node's count. */
    private static int firstReached(Node node, int from, Predicate<Entry> reached) {
        int low = from;
        int high = node.n - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (reached.test(new Entry(node.scores[mid], node.members[mid]))) {
                high = mid - 1;
            }
            else {
                low = mid + 1;
            }
        }
        return low;
    }

    /** The entry at {@code rank}, 0 for the lowest; in range. */
    public Entry at(int rank) {
        if (rank < 0 || rank >= size()) {
            throw new IndexOutOfBoundsException("rank " + rank + " out of range for " + size() + " members");
        }
        Cursor cursor = new Cursor(rank, 1);
        return cursor.next();
    }

    /** @return whether the member is new */
    boolean put(byte[] member, double score) {
        int at = this.members.position(member);
        if (at >= 0) {
            double previous = scoreAt(at);
            if (Double.compare(previous, score) != 0) {
                byte[] stored = this.members.member(at);
                delete(previous, stored);
                this.scores.set(at, Double.doubleToRawLongBits(score));
                insert(score, stored);
            }
            return false;
        }
        this.members.add(member);
        if (this.members.capacity() > this.scores.capacity()) {
            growScores();
        }
        this.scores.set(this.members.size() - 1, Double.doubleToRawLongBits(score));
        insert(score, member);
        return true;
    }

    boolean remove(byte[] member) {
        int at = this.members.position(member);
        if (at < 0) {
            return false;
        }
        double score = scoreAt(at);
        byte[] stored = this.members.member(at);
        int last = this.members.size() - 1;
        this.members.remove(member);
        if (at < last) {
            this.scores.set(at, this.scores.get(last));
        }
        delete(score, stored);
        return true;
    }

    SortedSetValue copy() {
        return new SortedSetValue(this);
    }

    private double scoreAt(int position) {
        return Double.longBitsToDouble(this.scores.get(position));
    }

    private void growScores() {
        SharedChunks.Longs grown = new SharedChunks.Longs(this.members.capacity());
        for (int i = 0; i < this.members.size() - 1; i++) {
            grown.set(i, this.scores.get(i));
        }
        this.scores = grown;
    }

    /** The node itself if this copy made it, else a copy of it that this copy makes. */
    private Node writable(Node node) {
        return node.owner == this.owner ? node : node.copy(this.owner);
    }

    /** The index of the entry in a leaf, or -(where it would go) - 1. */
    private static int search(Node leaf, double score, byte[] member) {
        int low = 0;
        int high = leaf.n - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int order = compare(leaf.scores[mid], leaf.members[mid], score, member);
            if (order < 0) {
                low = mid + 1;
            }
            else if (order > 0) {
                high = mid - 1;
            }
            else {
                return mid;
            }
        }
        return -(low + 1);
    }

    /** The last child whose key is not above the entry's, or the first. */
    private static int childFor(Node inner, double score, byte[] member) {
        int low = 1;
        int high = inner.n - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (compare(inner.scores[mid], inner.members[mid], score, member) <= 0) {
                low = mid + 1;
            }
            else {
                high = mid - 1;
            }
        }
        return low - 1;
    }

    private void insert(double score, byte[] member) {
        this.root = writable(this.root);
        Node split = insert(this.root, score, member);
        if (split != null) {
            Node top = new Node(this.owner, false);
            putAt(top, 0, this.root.scores[0], this.root.members[0], this.root);
            putAt(top, 1, split.scores[0], split.members[0], split);
            top.size = this.root.size + split.size;
            this.root = top;
        }
    }

    /** Inserts into a node this copy owns; @return its new right half if it split, else {@code null} */
    private Node insert(Node node, double score, byte[] member) {
        if (node.leaf()) {
            Node right = insertAt(node, -search(node, score, member) - 1, score, member, null);
            node.size = node.n;
            if (right != null) {
                right.size = right.n;
            }
            return right;
        }
        int at = childFor(node, score, member);
        if (at == 0 && compare(score, member, node.scores[0], node.members[0]) < 0) {
            node.scores[0] = score;
            node.members[0] = member;
        }
        Node child = writable(node.children[at]);
        node.children[at] = child;
        node.size++;
        Node split = insert(child, score, member);
        if (split == null) {
            return null;
        }
        Node right = insertAt(node, at + 1, split.scores[0], split.members[0], split);
        if (right != null) {
            right.size = sumOfChildren(right);
            node.size -= right.size;
        }
        return right;
    }

    /** Puts the entry (with its child in an inner node) at {@code at}, splitting a full node in two. */
    private Node insertAt(Node node, int at, double score, byte[] member, Node child) {
        if (node.n < MAX) {
            putAt(node, at, score, member, child);
            return null;
        }
        Node right = new Node(this.owner, node.leaf());
        int half = MAX / 2;
        moveTail(node, half, right);
        if (at <= half) {
            putAt(node, at, score, member, child);
        }
        else {
            putAt(right, at - half, score, member, child);
        }
        return right;
    }

    private static void putAt(Node node, int at, double score, byte[] member, Node child) {
        int after = node.n - at;
        System.arraycopy(node.scores, at, node.scores, at + 1, after);
        System.arraycopy(node.members, at, node.members, at + 1, after);
        node.scores[at] = score;
        node.members[at] = member;
        if (child != null) {
            System.arraycopy(node.children, at, node.children, at + 1, after);
            node.children[at] = child;
        }
        node.n++;
    }

    private static void removeAt(Node node, int at) {
        int after = node.n - at - 1;
        System.arraycopy(node.scores, at + 1, node.scores, at, after);
        System.arraycopy(node.members, at + 1, node.members, at, after);
        node.members[node.n - 1] = null;
        if (!node.leaf()) {
            System.arraycopy(node.children, at + 1, node.children, at, after);
            node.children[node.n - 1] = null;
        }
        node.n--;
    }

    /** Moves the node's slots from {@code from} on to the end of {@code to}. */
    private static void moveTail(Node node, int from, Node to) {
        appendTail(node, from, to);
        Arrays.fill(node.members, from, node.n, null);
        if (!node.leaf()) {
            Arrays.fill(node.children, from, node.n, null);
        }
        node.n = from;
    }

    /** Copies the node's slots from {@code from} on to the end of {@code to}, leaving the node as it was. */
    private static void appendTail(Node node, int from, Node to) {
        int count = node.n - from;
        System.arraycopy(node.scores, from, to.scores, to.n, count);
        System.arraycopy(node.members, from, to.members, to.n, count);
        if (!node.leaf()) {
            System.arraycopy(node.children, from, to.children, to.n, count);
        }
        to.n += count;
    }

    private static int sumOfChildren(Node inner) {
        int size = 0;
        for (int i = 0; i < inner.n; i++) {
            size += inner.children[i].size;
        }
        return size;
    }

    private static void recount(Node node) {
        node.size = node.leaf() ? node.n : sumOfChildren(node);
    }

    private void delete(double score, byte[] member) {
        this.root = writable(this.root);
        delete(this.root, score, member);
        while (!this.root.leaf() && this.root.n == 1) {
            this.root = this.root.children[0];
        }
    }

    private void delete(Node node, double score, byte[] member) {
        node.size--;
        if (node.leaf()) {
            int at = search(node, score, member);
            if (at < 0) {
                throw new IllegalStateException("the order of a sorted set lacks a member its index has");
            }
            removeAt(node, at);
            return;
        }
        int at = childFor(node, score, member);
        Node child = writable(node.children[at]);
        node.children[at] = child;
        delete(child, score, member);
        if (child.n < MIN && node.n > 1) {
            rebalance(node, at > 0 ? at - 1 : at);
        }
    }

    /** Merges children {@code left} and {@code left + 1}, or shares their slots evenly if they do not fit in one. */
    private void rebalance(Node parent, int left) {
        Node first = writable(parent.children[left]);
        parent.children[left] = first;
        Node second = parent.children[left + 1];
        if (first.n + second.n <= MAX) {
            // The second may be shared with another copy, so it is read, not emptied.
            appendTail(second, 0, first);
            first.size += second.size;
            removeAt(parent, left + 1);
            return;
        }
        second = writable(second);
        parent.children[left + 1] = second;
        int total = first.n + second.n;
        if (first.n < total / 2) {
            Node moved = new Node(this.owner, first.leaf());
            moveTail(second, total / 2 - first.n, moved);
            moveTail(second, 0, first);
            moveTail(moved, 0, second);
        }
        else {
            Node moved = new Node(this.owner, first.leaf());
            moveTail(first, total / 2, moved);
            moveTail(second, 0, moved);
            moveTail(moved, 0, second);
        }
        recount(first);
        recount(second);
        parent.scores[left + 1] = second.scores[0];
        parent.members[left + 1] = second.members[0];
    }

    /** Walks the leaves by rank; a step past a leaf's end finds the next leaf from the root, O(log n) per leaf. */
    private final class Cursor implements Iterator<Entry> {

        private int rank;

        private final int step;

        private Node leaf;

        private int offset;

        Cursor(int rank, int step) {
            this.rank = rank;
            this.step = step;
        }

        @Override
        public boolean hasNext() {
            return this.rank >= 0 && this.rank < size();
        }

        @Override
        public Entry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            if (this.leaf == null || this.offset < 0 || this.offset >= this.leaf.n) {
                Node node = SortedSetValue.this.root;
                int within = this.rank;
                while (!node.leaf()) {
                    int child = 0;
                    while (within >= node.children[child].size) {
                        within -= node.children[child].size;
                        child++;
                    }
                    node = node.children[child];
                }
                this.leaf = node;
                this.offset = within;
            }
            Entry entry = new Entry(this.leaf.scores[this.offset], this.leaf.members[this.offset]);
            this.offset += this.step;
            this.rank += this.step;
            return entry;
        }
    }
}
