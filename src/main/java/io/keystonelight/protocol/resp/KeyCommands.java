package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.netty.util.concurrent.DefaultThreadFactory;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandException;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.store.KeyValueStore;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * RESP's key-space commands: EXISTS, TYPE, DBSIZE, KEYS, SCAN, FLUSHDB/FLUSHALL.
 *
 * <p>SCAN's cursor is a position in the order of the keys' hashes: a call returns the keys whose
 * hash is at or after the cursor, lowest first, and the cursor after the last hash it returned.
 * So a key that exists throughout a full iteration is returned at least once, whatever is
 * written meanwhile, as Redis promises. Each call looks at every key, as KEYS does.
 */
@Component
class KeyCommands implements CommandFamily, DisposableBean {

    private static final byte[] MATCH_ALL = { '*' };

    /**
     * Matching steps (bytes of key x bytes of pattern, at most) done on the event loop: about a
     * millisecond's worth. A KEYS that may cost more matches on {@link #matcher}.
     */
    static final long MATCH_ON_THE_LOOP = 1L << 20;

    private final KeyValueStore store;

    /** Where a long KEYS matches; one thread, so that many long KEYS take one core at most. */
    private final ExecutorService matcher = Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("keys-matcher", true));

    KeyCommands(KeyValueStore store) {
        this.store = store;
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof RespCommand.Exists || command instanceof RespCommand.Type
                || command instanceof RespCommand.DbSize || command instanceof RespCommand.Keys
                || command instanceof RespCommand.Scan || command instanceof RespCommand.FlushDb;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        if (command instanceof RespCommand.FlushDb) {
            RespCommand.FlushDb flush = (RespCommand.FlushDb) command;
            return this.store.submit(flush.step(System.currentTimeMillis())).thenApply(flush::reply);
        }
        if (command instanceof RespCommand.Exists exists) {
            return Reads.read(this.store, () -> {
                long count = 0;
                for (byte[] key : exists.keys()) {
                    if (this.store.exists(key)) {
                        count++;
                    }
                }
                return count;
            });
        }
        if (command instanceof RespCommand.Type type) {
            return Reads.read(this.store, () -> this.store.exists(type.key()) ? "string" : "none");
        }
        if (command instanceof RespCommand.DbSize) {
            return Reads.read(this.store, this.store::size);
        }
        if (command instanceof RespCommand.Keys keys) {
            return keys(keys.pattern());
        }
        if (command instanceof RespCommand.Scan scan) {
            return Reads.read(this.store, () -> scan(scan));
        }
        throw new IllegalArgumentException("not a key command: " + command);
    }

    /**
     * The keys are copied where the request runs, so that KEYS sees exactly the writes of the
     * requests before it on its connection and none after. Matching them can cost far more
     * (keys x key length x pattern length): past a small amount it runs on a thread of its own,
     * so that the event loop goes on serving its other connections meanwhile; the reply still
     * leaves in request order.
     */
    private CompletableFuture<Object> keys(byte[] pattern) {
        CompletableFuture<Object> copied = Reads.read(this.store, () -> {
            List<byte[]> all = new ArrayList<>();
            this.store.forEachKey(all::add);
            return all;
        });
        return copied.thenCompose(all -> {
            @SuppressWarnings("unchecked")
            List<byte[]> keys = (List<byte[]>) all;
            if (Arrays.equals(pattern, MATCH_ALL)) {
                return CompletableFuture.completedFuture(new ArrayList<Object>(keys));
            }
            long cost = 0;
            for (byte[] key : keys) {
                cost += (long) key.length * pattern.length;
            }
            if (cost <= MATCH_ON_THE_LOOP) {
                return CompletableFuture.completedFuture(matching(pattern, keys));
            }
            return CompletableFuture.supplyAsync(() -> matching(pattern, keys), this.matcher);
        });
    }

    private static Object matching(byte[] pattern, List<byte[]> keys) {
        List<Object> found = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if ((i & 1023) == 0 && Thread.currentThread().isInterrupted()) {
                throw new CommandException("the server is shutting down: KEYS was stopped before it finished");
            }
            if (Glob.matches(pattern, keys.get(i))) {
                found.add(keys.get(i));
            }
        }
        return found;
    }

    @Override
    public void destroy() {
        // Interrupts a KEYS still matching, which stops at its next check: a shutdown does not wait for it.
        this.matcher.shutdownNow();
    }

    /** O(COUNT) per call: see {@link KeyValueStore#scan}. */
    private Object scan(RespCommand.Scan scan) {
        io.keystonelight.store.Keyspace view = scan.type() == null ? null : this.store.view();
        List<Object> keys = new ArrayList<>();
        long next = this.store.scan(scan.cursor(), scan.count(), key -> {
            if ((scan.pattern() == null || Glob.matches(scan.pattern(), key)) && (view == null
                    || view.type(key) != null && view.type(key).redisName().equals(scan.type()))) {
                keys.add(key);
            }
        });
        return List.of(Long.toUnsignedString(next), keys);
    }
}
