package io.keystonelight.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import io.keystonelight.store.Write;

/**
 * The bytes of a {@link Write} in a Raft log entry, and of the result the leader's state machine
 * computed for it. Length-prefixed binary: keys and values travel as they are, whatever bytes
 * they hold. A log written by one version must be read by the next, so tags are never reused.
 */
final class WriteCodec {

    private static final byte PUT = 1;

    private static final byte DELETE = 2;

    private static final byte GET_AND_DELETE = 3;

    private static final byte PUT_ALL = 4;

    private static final byte INCREMENT = 5;

    private static final byte APPEND = 6;

    private static final byte CLEAR = 7;

    /** Several writes in one log entry, applied in their order; the reply holds a result each. */
    private static final byte BATCH = 8;

    /** A command of the data types, expiry or keyspace, by its operation's name. */
    private static final byte EXEC = 10;

    /** The leader's removal of keys past their deadline. */
    private static final byte EXPIRE = 11;

    /** A write of the tags above 1 to 7, with the time the accepting node ran it at. */
    private static final byte TIMED = 12;

    // Results
    private static final byte OK_REPLY = 6;

    private static final byte NONE_REPLY = 7;

    private static final byte NULL_ARRAY_REPLY = 8;

    private static final byte LIST = 10;

    private static final byte TEXT = 11;

    private static final byte STATUS = 12;

    private static final byte NULL = 0;

    private static final byte PUT_RESULT = 1;

    private static final byte INTEGER = 2;

    private static final byte LONG = 3;

    private static final byte BOOLEAN = 4;

    private static final byte BYTES = 5;

    private static final byte REJECTED = 9;

    private WriteCodec() {
    }

    static byte[] encode(Write<?> write) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (write instanceof Write.Exec exec) {
                out.writeByte(EXEC);
                out.writeUTF(exec.operation().name());
                out.writeLong(exec.now());
                out.writeLong(exec.seed());
                out.writeInt(exec.args().size());
                for (byte[] arg : exec.args()) {
                    bytes(out, arg);
                }
            }
            else if (write instanceof Write.Expire expire) {
                out.writeByte(EXPIRE);
                out.writeLong(expire.now());
                out.writeInt(expire.keys().size());
                for (byte[] key : expire.keys()) {
                    bytes(out, key);
                }
            }
            else if (write instanceof Write.Timed<?> timed) {
                return encodeTimed(timed.write(), timed.now());
            }
            else if (!(write instanceof Write.Timed<?>)) {
                // Every replica decides expiry at the time the accepting node ran the write.
                return encodeTimed(write, System.currentTimeMillis());
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    private static byte[] encodeTimed(Write<?> write, long now) {
        byte[] inner = encodeUntimed(write);
        byte[] timed = new byte[inner.length + 9];
        java.nio.ByteBuffer.wrap(timed).put(TIMED).putLong(now).put(inner);
        return timed;
    }

    private static byte[] encodeUntimed(Write<?> write) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (write instanceof Write.Put put) {
                out.writeByte(PUT);
                bytes(out, put.key());
                bytes(out, put.value());
                out.writeByte(put.condition().ordinal());
                out.writeBoolean(put.returnPrevious());
            }
            else if (write instanceof Write.Delete delete) {
                out.writeByte(DELETE);
                out.writeInt(delete.keys().size());
                for (byte[] key : delete.keys()) {
                    bytes(out, key);
                }
            }
            else if (write instanceof Write.GetAndDelete getAndDelete) {
                out.writeByte(GET_AND_DELETE);
                bytes(out, getAndDelete.key());
            }
            else if (write instanceof Write.PutAll putAll) {
                out.writeByte(PUT_ALL);
                out.writeBoolean(putAll.onlyIfNoneExists());
                out.writeInt(putAll.keys().size());
                for (int i = 0; i < putAll.keys().size(); i++) {
                    bytes(out, putAll.keys().get(i));
                    bytes(out, putAll.values().get(i));
                }
            }
            else if (write instanceof Write.Increment increment) {
                out.writeByte(INCREMENT);
                bytes(out, increment.key());
                out.writeLong(increment.delta());
            }
            else if (write instanceof Write.Append append) {
                out.writeByte(APPEND);
                bytes(out, append.key());
                bytes(out, append.suffix());
            }
            else if (write instanceof Write.Clear) {
                out.writeByte(CLEAR);
            }
            else {
                throw new IllegalArgumentException("no encoding for write " + write);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    static Write<?> decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(encoded))) {
            byte tag = in.readByte();
            switch (tag) {
                case EXEC: {
                    String name = in.readUTF();
                    long now = in.readLong();
                    long seed = in.readLong();
                    int n = in.readInt();
                    List<byte[]> args = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        args.add(bytes(in));
                    }
                    io.keystonelight.command.data.DataCommand operation = io.keystonelight.command.data.DataCommands
                            .operation(name);
                    if (operation == null) {
                        throw new IllegalArgumentException("unknown operation '" + name + "' in a log entry");
                    }
                    return new Write.Exec(operation, args, now, seed);
                }
                case EXPIRE: {
                    long now = in.readLong();
                    int n = in.readInt();
                    List<byte[]> keys = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        keys.add(bytes(in));
                    }
                    return new Write.Expire(keys, now);
                }
                case TIMED: {
                    long now = in.readLong();
                    return new Write.Timed<>(decode(in.readAllBytes()), now);
                }
                case PUT: {
                    byte[] key = bytes(in);
                    byte[] value = bytes(in);
                    Write.Condition condition = Write.Condition.values()[in.readByte()];
                    return new Write.Put(key, value, condition, in.readBoolean());
                }
                case DELETE: {
                    int n = in.readInt();
                    List<byte[]> keys = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        keys.add(bytes(in));
                    }
                    return new Write.Delete(keys);
                }
                case GET_AND_DELETE:
                    return new Write.GetAndDelete(bytes(in));
                case PUT_ALL: {
                    boolean onlyIfNone = in.readBoolean();
                    int n = in.readInt();
                    List<byte[]> keys = new ArrayList<>(n);
                    List<byte[]> values = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        keys.add(bytes(in));
                        values.add(bytes(in));
                    }
                    return new Write.PutAll(keys, values, onlyIfNone);
                }
                case INCREMENT:
                    return new Write.Increment(bytes(in), in.readLong());
                case APPEND:
                    return new Write.Append(bytes(in), bytes(in));
                case CLEAR:
                    return new Write.Clear();
                default:
                    throw new IllegalArgumentException("unknown write tag " + tag + " in a log entry");
            }
        }
        catch (IOException ex) {
            throw new IllegalArgumentException("truncated write in a log entry: " + ex.getMessage(), ex);
        }
    }

    /**
     * An empty part of a batch: no write, only a point in the log that a follower's reads wait
     * for (see {@code ClusterNode#readBarrier}).
     */
    static final byte[] READ_BARRIER = new byte[0];

    /** One log entry holding {@code writes}, each as {@link #encode(Write)} made it. */
    static byte[] encodeBatch(List<byte[]> writes) {
        int size = 5;
        for (byte[] write : writes) {
            size += 4 + write.length;
        }
        java.nio.ByteBuffer entry = java.nio.ByteBuffer.allocate(size);
        entry.put(BATCH).putInt(writes.size());
        for (byte[] write : writes) {
            entry.putInt(write.length).put(write);
        }
        return entry.array();
    }

    /** Whether a log entry holds a batch (or, as older entries do, one write). */
    static boolean isBatch(byte[] entry) {
        return entry.length > 0 && entry[0] == BATCH;
    }

    /** The writes of a batch entry; {@code null} for a read barrier. */
    static List<Write<?>> decodeBatch(byte[] entry) {
        List<byte[]> parts = splitBatch(entry);
        List<Write<?>> writes = new ArrayList<>(parts.size());
        for (byte[] part : parts) {
            writes.add(part.length == 0 ? null : decode(part));
        }
        return writes;
    }

    /** The parts of a batch: its writes, or the results of a batch reply. */
    private static List<byte[]> splitBatch(byte[] encoded) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(encoded);
        try {
            if (in.get() != BATCH) {
                throw new IllegalArgumentException("not a batch");
            }
            int n = in.getInt();
            if (n < 0 || n > in.remaining() / 4) {
                throw new IllegalArgumentException("a batch of " + n + " parts in " + encoded.length + " bytes");
            }
            List<byte[]> parts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    throw new IllegalArgumentException("part " + i + " of a batch runs past its end");
                }
                byte[] part = new byte[length];
                in.get(part);
                parts.add(part);
            }
            return parts;
        }
        catch (java.nio.BufferUnderflowException ex) {
            throw new IllegalArgumentException("truncated batch in a log entry", ex);
        }
    }

    /** The reply to a batch entry: each write's result as {@link #encodeResult} made it, in order. */
    static byte[] encodeBatchResults(List<byte[]> results) {
        return encodeBatch(results);
    }

    static List<Result> decodeBatchResults(byte[] reply) {
        return splitBatch(reply).stream().map(WriteCodec::decodeResult).toList();
    }

    /** What a write answered, or why it was rejected ({@code rejection} not null). */
    static byte[] encodeResult(Object result, String rejection) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (rejection != null) {
                out.writeByte(REJECTED);
                out.writeUTF(rejection);
            }
            else if (result == null) {
                out.writeByte(NULL);
            }
            else if (result instanceof Write.PutResult put) {
                out.writeByte(PUT_RESULT);
                out.writeBoolean(put.applied());
                out.writeBoolean(put.previous() != null);
                if (put.previous() != null) {
                    bytes(out, put.previous());
                }
            }
            else if (result instanceof Integer i) {
                out.writeByte(INTEGER);
                out.writeInt(i);
            }
            else if (result instanceof Long l) {
                out.writeByte(LONG);
                out.writeLong(l);
            }
            else if (result instanceof Boolean b) {
                out.writeByte(BOOLEAN);
                out.writeBoolean(b);
            }
            else {
                reply(out, result);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    /** A command's reply: bytes, numbers, markers and lists of them. */
    private static void reply(DataOutputStream out, Object result) throws IOException {
        if (result instanceof byte[] b) {
            out.writeByte(BYTES);
            bytes(out, b);
        }
        else if (result instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        }
        else if (result instanceof Integer i) {
            out.writeByte(INTEGER);
            out.writeInt(i);
        }
        else if (result == io.keystonelight.command.CommandExecutor.OK) {
            out.writeByte(OK_REPLY);
        }
        else if (result == io.keystonelight.command.CommandExecutor.NONE || result == null) {
            out.writeByte(NONE_REPLY);
        }
        else if (result == io.keystonelight.command.CommandExecutor.NULL_ARRAY) {
            out.writeByte(NULL_ARRAY_REPLY);
        }
        else if (result instanceof String text) {
            out.writeByte(TEXT);
            bytes(out, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        else if (result instanceof io.keystonelight.command.StatusReply status) {
            out.writeByte(STATUS);
            bytes(out, status.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        else if (result instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object element : list) {
                reply(out, element);
            }
        }
        else {
            throw new IllegalArgumentException("no encoding for result " + result.getClass().getName());
        }
    }

    private static Object reply(DataInputStream in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case BYTES -> bytes(in);
            case LONG -> in.readLong();
            case INTEGER -> in.readInt();
            case OK_REPLY -> io.keystonelight.command.CommandExecutor.OK;
            case NONE_REPLY -> io.keystonelight.command.CommandExecutor.NONE;
            case NULL_ARRAY_REPLY -> io.keystonelight.command.CommandExecutor.NULL_ARRAY;
            case TEXT -> new String(bytes(in), java.nio.charset.StandardCharsets.UTF_8);
            case STATUS -> new io.keystonelight.command.StatusReply(
                    new String(bytes(in), java.nio.charset.StandardCharsets.UTF_8));
            case LIST -> {
                int n = in.readInt();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(reply(in));
                }
                yield list;
            }
            default -> throw new IllegalArgumentException("unknown result tag " + tag);
        };
    }

    /** A decoded result: the value, or the reason the write was rejected. */
    record Result(Object value, String rejection) {
    }

    static Result decodeResult(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(encoded))) {
            byte tag = in.readByte();
            return switch (tag) {
                case NULL -> new Result(null, null);
                case PUT_RESULT -> {
                    boolean applied = in.readBoolean();
                    byte[] previous = in.readBoolean() ? bytes(in) : null;
                    yield new Result(new Write.PutResult(applied, previous), null);
                }
                case INTEGER -> new Result(in.readInt(), null);
                case LONG -> new Result(in.readLong(), null);
                case BOOLEAN -> new Result(in.readBoolean(), null);
                case REJECTED -> new Result(null, in.readUTF());
                default -> {
                    in.reset();
                    yield new Result(reply(in), null);
                }
            };
        }
        catch (IOException ex) {
            throw new IllegalArgumentException("truncated write result: " + ex.getMessage(), ex);
        }
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("length " + n + " past the end of the entry");
        }
        byte[] value = new byte[n];
        in.readFully(value);
        return value;
    }
}
