package io.keystonelight.command.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.StatusReply;
import io.keystonelight.store.HashValue;
import io.keystonelight.store.Keyspace;
import io.keystonelight.store.ListValue;
import io.keystonelight.store.SetValue;
import io.keystonelight.store.SortedSetValue;

/**
 * {@code MEMORY USAGE|HELP|DOCTOR|MALLOC-STATS|PURGE}, worded as Redis 7.0 words them.
 *
 * <p>{@code MEMORY USAGE} estimates the heap a key holds on a 64-bit JVM with compressed
 * references: an array costs a 16-byte header plus its contents, rounded up to 8 bytes; the key's
 * slot in the table is counted as {@value #ENTRY} bytes (the entry object and its share of the
 * table). A string is its array. A packed hash is its two arrays, exactly. Other collections are
 * sampled as Redis samples them: the first {@code SAMPLES} elements (5 unless told, 0 for all) are
 * measured, each with the fixed cost of the node that holds it in its structure, and their mean is
 * taken for every element. So the figure is exact for strings and packed hashes and otherwise
 * as good as the sample, never a walk of a large collection unless asked for with SAMPLES 0.
 */
final class MemoryCommand {

    /** The entry object (header, key, value, deadline, hash, next) and one reference in the table. */
    static final long ENTRY = 48;

    /** What a list, a set or a sorted set costs per element besides the element's own array. */
    private static final long LIST_SLOT = 4;

    /** A HashMap node and its table reference, and the set's position or the score's box. */
    private static final long SET_MEMBER = 32 + 4 + 16 + 24;

    /** The map's node and boxed score, the tree node and the entry record. */
    private static final long SORTED_MEMBER = 32 + 16 + 16 + 40 + 24;

    /** A map-backed hash: the map's node, the field's wrapper, and the insertion-order links. */
    private static final long HASH_FIELD = 40 + 16 + 8;

    private static final long DEFAULT_SAMPLES = 5;

    private static final List<String> HELP = List.of(
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
            "HELP",
            "    Prints this help.");

    private MemoryCommand() {
    }

    static void register() {
        DataCommands.read("memory", -2, 2, 2, 1, MemoryCommand::memory);
    }

    private static Object memory(Keyspace keys, List<byte[]> args) {
        String sub = Args.lower(args.get(1));
        int argc = args.size();
        switch (sub) {
            case "usage" -> {
                if (argc < 3) {
                    throw wrongArguments(sub);
                }
                return usage(keys, args);
            }
            case "help" -> {
                exactly(sub, argc, 2);
                List<Object> lines = new ArrayList<>(HELP.size());
                for (String line : HELP) {
                    lines.add(new StatusReply(line));
                }
                return lines;
            }
            case "doctor" -> {
                exactly(sub, argc, 2);
                return Args.bytes("The JVM's heap is managed by its garbage collector: this server has no "
                        + "allocator report. INFO memory gives the heap in use and its limit.");
            }
            case "malloc-stats" -> {
                exactly(sub, argc, 2);
                // What Redis answers when built without jemalloc: the JVM has no allocator to report on.
                return Args.bytes("Stats not supported for the current allocator");
            }
            case "purge" -> {
                exactly(sub, argc, 2);
                return CommandExecutor.OK;
            }
            case "stats" -> throw Args.error("MEMORY STATS is not supported: the heap is one pool shared by every "
                    + "structure here; INFO memory gives its figures");
            default -> throw Args.error("unknown subcommand '" + Args.text(args.get(1)) + "'. Try MEMORY HELP.");
        }
    }

    private static Object usage(Keyspace keys, List<byte[]> args) {
        long samples = DEFAULT_SAMPLES;
        for (int i = 3; i < args.size(); i++) {
            if (Args.is(args.get(i), "samples") && i + 1 < args.size()) {
                samples = Args.integer(args.get(++i));
                if (samples < 0) {
                    throw Args.syntaxError();
                }
                if (samples == 0) {
                    samples = Long.MAX_VALUE;
                }
            }
            else {
                throw Args.syntaxError();
            }
        }
        byte[] key = args.get(2);
        Object value = keys.value(key);
        if (value == null) {
            return CommandExecutor.NONE;
        }
        return ENTRY + array(key.length) + valueBytes(value, samples);
    }

    /** The heap of a value: exact for strings and packed hashes, sampled for the rest. */
    static long valueBytes(Object value, long samples) {
        if (value instanceof byte[] bytes) {
            return array(bytes.length);
        }
        if (value instanceof HashValue hash) {
            long packed = hash.packedBytes();
            if (packed >= 0) {
                return packed;
            }
            long[] seen = new long[2];
            hash.forEach((field, fieldValue) -> {
                if (seen[0] < samples) {
                    seen[0]++;
                    seen[1] += HASH_FIELD + array(field.length) + array(fieldValue.length);
                }
            });
            return mapBase(hash.size()) + scaled(seen[1], seen[0], hash.size());
        }
        if (value instanceof ListValue list) {
            long measured = 0;
            int n = (int) Math.min(samples, list.size());
            for (int i = 0; i < n; i++) {
                measured += LIST_SLOT + array(list.get(i).length);
            }
            long capacity = Math.max(8, Integer.highestOneBit(Math.max(1, list.size()) * 2 - 1));
            return 32 + array(4 * capacity) + scaled(measured, n, list.size());
        }
        if (value instanceof SetValue set) {
            long measured = 0;
            int n = (int) Math.min(samples, set.size());
            for (int i = 0; i < n; i++) {
                measured += SET_MEMBER + array(set.member(i).length);
            }
            return mapBase(set.size()) + 24 + array(4L * set.size()) + scaled(measured, n, set.size());
        }
        if (value instanceof SortedSetValue sorted) {
            long measured = 0;
            int n = 0;
            Iterator<SortedSetValue.Entry> entries = sorted.entries().iterator();
            while (n < samples && entries.hasNext()) {
                measured += SORTED_MEMBER + array(entries.next().member().length);
                n++;
            }
            return mapBase(sorted.size()) + 48 + scaled(measured, n, sorted.size());
        }
        throw new IllegalArgumentException("not a value of the store: " + value.getClass().getName());
    }

    /** A HashMap's object and its table of references for {@code size} entries at the default load. */
    private static long mapBase(long size) {
        long table = Math.max(16, Long.highestOneBit(Math.max(1, size * 4 / 3)) * 2);
        return 48 + array(4 * table);
    }

    private static long scaled(long measured, long sampled, long total) {
        return sampled == 0 ? 0 : measured * total / sampled;
    }

    /** A byte array of {@code length} bytes: a 16-byte header, the bytes, padded to 8. */
    static long array(long length) {
        return (16 + length + 7) & ~7L;
    }

    private static void exactly(String sub, int argc, int expected) {
        if (argc != expected) {
            throw wrongArguments(sub);
        }
    }

    private static RuntimeException wrongArguments(String sub) {
        return Args.error("wrong number of arguments for 'memory|" + sub + "' command");
    }
}
