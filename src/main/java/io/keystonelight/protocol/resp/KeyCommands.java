package io.keystonelight.protocol.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.store.KeyValueStore;

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
class KeyCommands implements CommandFamily {

    private static final byte[] MATCH_ALL = { '*' };

    private final KeyValueStore store;

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
            return Reads.read(this.store, () -> {
                List<Object> found = new ArrayList<>();
                boolean all = Arrays.equals(keys.pattern(), MATCH_ALL);
                this.store.forEachKey(key -> {
                    if (all || Glob.matches(keys.pattern(), key)) {
                        found.add(key);
                    }
                });
                return found;
            });
        }
        if (command instanceof RespCommand.Scan scan) {
            return Reads.read(this.store, () -> scan(scan));
        }
        throw new IllegalArgumentException("not a key command: " + command);
    }

    private Object scan(RespCommand.Scan scan) {
        io.keystonelight.store.Keyspace view = scan.type() == null ? null : this.store.view();
        List<Positioned> candidates = new ArrayList<>();
        this.store.forEachKey(key -> {
            long position = position(key);
            if (position >= scan.cursor()) {
                candidates.add(new Positioned(position, key));
            }
        });
        candidates.sort(Comparator.comparingLong(Positioned::position));
        List<Object> keys = new ArrayList<>(Math.min(scan.count(), candidates.size()));
        int taken = 0;
        long next = 0;
        while (taken < candidates.size()) {
            long position = candidates.get(taken).position();
            if (taken >= scan.count() && position != candidates.get(taken - 1).position()) {
                // Keys of one hash are returned together, so the cursor can move past it.
                next = position;
                break;
            }
            byte[] key = candidates.get(taken).key();
            if ((scan.pattern() == null || Glob.matches(scan.pattern(), key)) && (scan.type() == null
                    || view != null && view.type(key) != null && view.type(key).redisName().equals(scan.type()))) {
                keys.add(key);
            }
            taken++;
        }
        return List.of(String.valueOf(next), keys);
    }

    /** A key's place in SCAN's order: 1 to 2^32 (0 is the cursor that starts and ends a scan). */
    private static long position(byte[] key) {
        return (Arrays.hashCode(key) & 0xffffffffL) + 1;
    }

    private record Positioned(long position, byte[] key) {
    }
}
