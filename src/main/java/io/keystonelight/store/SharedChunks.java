package io.keystonelight.store;

/**
 * Arrays in chunks that a copy shares until it writes to one: copying costs one reference per
 * chunk of {@value #CHUNK} slots, and the first write to a shared chunk copies that chunk alone.
 * The store changes a collection only in a group's own copy and publishes it once durable, a copy
 * per group; with whole arrays that copy cost the collection's size on every group, with chunks
 * it costs about the chunks the group writes to. Both sides of a copy give up their chunks, so
 * neither can change what the other sees. Not safe for concurrent writes, like the collections.
 */
final class SharedChunks {

    static final int SHIFT = 10;

    static final int CHUNK = 1 << SHIFT;

    private static final int MASK = CHUNK - 1;

    private SharedChunks() {
    }

    /** How many chunks hold {@code capacity} slots (a power of two); a smaller one is one short chunk. */
    private static int chunks(int capacity) {
        return Math.max(1, capacity >>> SHIFT);
    }

    private static int chunkLength(int capacity) {
        return Math.min(capacity, CHUNK);
    }

    /** {@code int}s; a fixed capacity, a power of two. */
    static final class Ints {

        private final int[][] chunks;

        /** Whether this array may write to the chunk in place: no copy shares it. */
        private final boolean[] owned;

        Ints(int capacity) {
            this.chunks = new int[chunks(capacity)][];
            this.owned = new boolean[this.chunks.length];
            for (int i = 0; i < this.chunks.length; i++) {
                this.chunks[i] = new int[chunkLength(capacity)];
                this.owned[i] = true;
            }
        }

        private Ints(int[][] chunks) {
            this.chunks = chunks;
            this.owned = new boolean[chunks.length];
        }

        int get(int index) {
            return this.chunks[index >>> SHIFT][index & MASK];
        }

        void set(int index, int value) {
            int chunk = index >>> SHIFT;
            if (!this.owned[chunk]) {
                this.chunks[chunk] = this.chunks[chunk].clone();
                this.owned[chunk] = true;
            }
            this.chunks[chunk][index & MASK] = value;
        }

        Ints copy() {
            java.util.Arrays.fill(this.owned, false);
            return new Ints(this.chunks.clone());
        }
    }

    /** {@code byte[]} references; a fixed capacity, a power of two. */
    static final class Refs {

        private final byte[][][] chunks;

        private final boolean[] owned;

        Refs(int capacity) {
            this.chunks = new byte[chunks(capacity)][][];
            this.owned = new boolean[this.chunks.length];
            for (int i = 0; i < this.chunks.length; i++) {
                this.chunks[i] = new byte[chunkLength(capacity)][];
                this.owned[i] = true;
            }
        }

        private Refs(byte[][][] chunks) {
            this.chunks = chunks;
            this.owned = new boolean[chunks.length];
        }

        int capacity() {
            return this.chunks.length == 1 ? this.chunks[0].length : this.chunks.length << SHIFT;
        }

        byte[] get(int index) {
            return this.chunks[index >>> SHIFT][index & MASK];
        }

        void set(int index, byte[] value) {
            int chunk = index >>> SHIFT;
            if (!this.owned[chunk]) {
                this.chunks[chunk] = this.chunks[chunk].clone();
                this.owned[chunk] = true;
            }
            this.chunks[chunk][index & MASK] = value;
        }

        Refs copy() {
            java.util.Arrays.fill(this.owned, false);
            return new Refs(this.chunks.clone());
        }
    }

    /** {@code long}s; a fixed capacity, a power of two. */
    static final class Longs {

        private final long[][] chunks;

        private final boolean[] owned;

        Longs(int capacity) {
            this.chunks = new long[chunks(capacity)][];
            this.owned = new boolean[this.chunks.length];
            for (int i = 0; i < this.chunks.length; i++) {
                this.chunks[i] = new long[chunkLength(capacity)];
                this.owned[i] = true;
            }
        }

        private Longs(long[][] chunks) {
            this.chunks = chunks;
            this.owned = new boolean[chunks.length];
        }

        int capacity() {
            return this.chunks.length == 1 ? this.chunks[0].length : this.chunks.length << SHIFT;
        }

        long get(int index) {
            return this.chunks[index >>> SHIFT][index & MASK];
        }

        void set(int index, long value) {
            int chunk = index >>> SHIFT;
            if (!this.owned[chunk]) {
                this.chunks[chunk] = this.chunks[chunk].clone();
                this.owned[chunk] = true;
            }
            this.chunks[chunk][index & MASK] = value;
        }

        Longs copy() {
            java.util.Arrays.fill(this.owned, false);
            return new Longs(this.chunks.clone());
        }
    }
}
