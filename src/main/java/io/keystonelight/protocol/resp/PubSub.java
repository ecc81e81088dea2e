package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.keystonelight.command.Subscriber;

import org.springframework.stereotype.Component;

/**
 * Who subscribed to which channel and pattern, for every connection. PUBLISH runs on the
 * publisher's event loop and hands each message to its subscribers' connections, which write it
 * on their own loops; nothing here blocks. Names are ISO-8859-1 strings: one char per byte.
 */
@Component
public class PubSub {

    private final ConcurrentHashMap<String, Set<Subscriber>> channels = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, Set<Subscriber>> patterns = new ConcurrentHashMap<>();

    static String name(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.ISO_8859_1);
    }

    private ConcurrentHashMap<String, Set<Subscriber>> table(boolean pattern) {
        return pattern ? this.patterns : this.channels;
    }

    /** @return whether {@code subscriber} was not subscribed to it yet */
    boolean subscribe(Subscriber subscriber, String name, boolean pattern) {
        if (!subscriber.add(name, pattern)) {
            return false;
        }
        subscriber.onClose(() -> leaveAll(subscriber));
        table(pattern).compute(name, (ignored, set) -> {
            Set<Subscriber> members = set == null ? ConcurrentHashMap.newKeySet() : set;
            members.add(subscriber);
            return members;
        });
        return true;
    }

    /** @return whether {@code subscriber} was subscribed to it */
    boolean unsubscribe(Subscriber subscriber, String name, boolean pattern) {
        if (!subscriber.remove(name, pattern)) {
            return false;
        }
        table(pattern).computeIfPresent(name, (ignored, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
        return true;
    }

    private void leaveAll(Subscriber subscriber) {
        for (boolean pattern : new boolean[] { false, true }) {
            for (String name : List.copyOf(subscriber.all(pattern))) {
                unsubscribe(subscriber, name, pattern);
            }
        }
    }

    /** Sends {@code message} to every subscriber of {@code channel} and of a pattern it matches; answers how many. */
    long publish(byte[] channel, byte[] message) {
        long receivers = 0;
        Set<Subscriber> direct = this.channels.get(name(channel));
        if (direct != null) {
            List<Object> push = List.of(MESSAGE, channel, message);
            for (Subscriber subscriber : direct) {
                subscriber.push(push);
                receivers++;
            }
        }
        if (!this.patterns.isEmpty()) {
            for (var entry : this.patterns.entrySet()) {
                byte[] pattern = bytes(entry.getKey());
                if (Glob.matches(pattern, channel)) {
                    List<Object> push = List.of(PMESSAGE, pattern, channel, message);
                    for (Subscriber subscriber : entry.getValue()) {
                        subscriber.push(push);
                        receivers++;
                    }
                }
            }
        }
        return receivers;
    }

    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] PMESSAGE = "pmessage".getBytes(StandardCharsets.US_ASCII);

    /** Channels with at least one subscriber, those matching {@code pattern} if not {@code null}. */
    List<Object> activeChannels(byte[] pattern) {
        List<Object> names = new ArrayList<>();
        for (String name : this.channels.keySet()) {
            byte[] channel = bytes(name);
            if (pattern == null || Glob.matches(pattern, channel)) {
                names.add(channel);
            }
        }
        return names;
    }

    long subscribers(byte[] channel) {
        Set<Subscriber> set = this.channels.get(name(channel));
        return set == null ? 0 : set.size();
    }

    long patternCount() {
        return this.patterns.size();
    }
}
