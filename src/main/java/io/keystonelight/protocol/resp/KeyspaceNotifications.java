package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;

import io.keystonelight.store.KeyValueStore;
import io.keystonelight.store.KeyspaceEvents;

import org.springframework.stereotype.Component;

/**
 * Redis's keyspace notifications: with {@code notify-keyspace-events} set (CONFIG SET), the
 * committer's events are published to {@code __keyspace@0__:<key>} (K) and
 * {@code __keyevent@0__:<event>} (E) for the classes asked for. Every write command sends the
 * events Redis 7.0 sends, in its order: each command's body says which ({@code Mutations#keyspaceEvent}),
 * and {@code expired} comes from lazy and active expiry.
 */
@Component
public class KeyspaceNotifications implements KeyspaceEvents {

    /** Redis's class characters, in the order CONFIG GET shows them; 'A' is all of them. */
    private static final String CLASSES = "g$lshzxetd";

    private final PubSub pubSub;

    /** The characters set, as a bit per position in {@link #ALL_FLAGS}; 0 when off. */
    private volatile int flags;

    private static final String ALL_FLAGS = CLASSES + "KEmn";

    public KeyspaceNotifications(PubSub pubSub, KeyValueStore store) {
        this.pubSub = pubSub;
        store.keyspaceEvents(this);
    }

    /** Sets the flags from Redis's string; {@code null} if it holds a character Redis does not know. */
    static Integer parse(String value) {
        int parsed = 0;
        for (char c : value.toCharArray()) {
            if (c == 'A') {
                parsed |= (1 << CLASSES.length()) - 1;
                continue;
            }
            int index = ALL_FLAGS.indexOf(c);
            if (index < 0) {
                return null;
            }
            parsed |= 1 << index;
        }
        return parsed;
    }

    void set(int parsed) {
        this.flags = parsed;
    }

    /** As Redis shows them: 'A' for every class, then K, E, m, n. */
    String flags() {
        int current = this.flags;
        StringBuilder shown = new StringBuilder();
        int all = (1 << CLASSES.length()) - 1;
        int from = 0;
        if ((current & all) == all) {
            shown.append('A');
            from = CLASSES.length();
        }
        for (int i = from; i < ALL_FLAGS.length(); i++) {
            if ((current & 1 << i) != 0) {
                shown.append(ALL_FLAGS.charAt(i));
            }
        }
        return shown.toString();
    }

    private boolean has(char flag) {
        return (this.flags & 1 << ALL_FLAGS.indexOf(flag)) != 0;
    }

    @Override
    public boolean wants(char type) {
        return this.flags != 0 && (has('K') || has('E')) && has(type);
    }

    @Override
    public void event(char type, String event, byte[] key) {
        byte[] name = event.getBytes(StandardCharsets.US_ASCII);
        if (has('K')) {
            this.pubSub.publish(concat("__keyspace@0__:", key), name);
        }
        if (has('E')) {
            this.pubSub.publish(concat("__keyevent@0__:", name), key);
        }
    }

    private static byte[] concat(String prefix, byte[] tail) {
        byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] joined = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, joined, head.length, tail.length);
        return joined;
    }
}
