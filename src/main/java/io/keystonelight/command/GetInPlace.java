package io.keystonelight.command;

import java.util.Arrays;

/**
 * A plain GET as a connection's decoder reads it: its key in an array the decoder reuses read
 * after read, so that a GET costs no command object and no key array. It lives until the read's
 * requests have run; a GET that cannot be answered while it runs (it waits behind an earlier
 * request, or is queued in a transaction) becomes a {@link Command.Get} of its own first.
 */
public final class GetInPlace implements Command {

    /** What a GET answered from its key in place is, to the reply's wording: a GET. */
    static final Command.Get REPLY = new Command.Get(new byte[0]);

    private byte[] key = new byte[32];

    private int length;

    public byte[] keyBytes() {
        return this.key;
    }

    public int keyLength() {
        return this.length;
    }

    /** A GET of its own, for a reply that must outlive the read. */
    public Command.Get detach() {
        return new Command.Get(Arrays.copyOf(this.key, this.length));
    }

    @Override
    public Kind kind() {
        return Kind.READ;
    }

    @Override
    public String commandName() {
        return "get";
    }

    @Override
    public String toString() {
        return "GetInPlace[key=" + new String(this.key, 0, this.length, java.nio.charset.StandardCharsets.UTF_8) + "]";
    }

    /**
     * The GETs of one connection's read: handed out as the decoder reads requests and all taken
     * back once the read's requests ran ({@link #reuse}).
     */
    public static final class Pool {

        private GetInPlace[] gets = new GetInPlace[0];

        private int used;

        /**
         * A GET whose key of {@code length} bytes the decoder copies into {@link #keyBytes()} from
         * its read buffer: an array reused read after read.
         */
        public GetInPlace take(int length) {
            if (this.used == this.gets.length) {
                this.gets = Arrays.copyOf(this.gets, Math.max(4, this.gets.length * 2));
                for (int i = this.used; i < this.gets.length; i++) {
                    this.gets[i] = new GetInPlace();
                }
            }
            GetInPlace get = this.gets[this.used++];
            if (get.key.length < length) {
                get.key = new byte[Math.max(length, get.key.length * 2)];
            }
            get.length = length;
            return get;
        }

        /** The read's requests ran: every GET handed out may be handed out again. */
        public void reuse() {
            this.used = 0;
        }
    }
}
