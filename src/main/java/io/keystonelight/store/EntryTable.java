package io.keystonelight.store;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;

/**
 * The map of live entries, keys and values as bytes. Any number of threads may read while one
 * thread at a time (the store's committer) changes it. The arrays passed in are kept, not
 * copied: callers hand over arrays they no longer touch.
 */
final class EntryTable {

    private final Map<ByteKey, byte[]> entries = new HashMap<>();

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    byte[] get(byte[] key) {
        ReentrantReadWriteLock.ReadLock read = this.lock.readLock();
        read.lock();
        try {
            return this.entries.get(new ByteKey(key));
        }
        finally {
            read.unlock();
        }
    }

    boolean containsKey(byte[] key) {
        return get(key) != null;
    }

    byte[] put(byte[] key, byte[] value) {
        ReentrantReadWriteLock.WriteLock write = this.lock.writeLock();
        write.lock();
        try {
            return this.entries.put(new ByteKey(key), value);
        }
        finally {
            write.unlock();
        }
    }

    byte[] remove(byte[] key) {
        ReentrantReadWriteLock.WriteLock write = this.lock.writeLock();
        write.lock();
        try {
            return this.entries.remove(new ByteKey(key));
        }
        finally {
            write.unlock();
        }
    }

    int size() {
        ReentrantReadWriteLock.ReadLock read = this.lock.readLock();
        read.lock();
        try {
            return this.entries.size();
        }
        finally {
            read.unlock();
        }
    }

    /** Calls {@code action} for every entry; only from the thread that changes the table. */
    void forEach(BiConsumer<byte[], byte[]> action) {
        this.entries.forEach((key, value) -> action.accept(key.bytes(), value));
    }

    /** Calls {@code action} with every key, holding off writers meanwhile. */
    void forEachKeyWhileReading(java.util.function.Consumer<byte[]> action) {
        ReentrantReadWriteLock.ReadLock read = this.lock.readLock();
        read.lock();
        try {
            this.entries.keySet().forEach(key -> action.accept(key.bytes()));
        }
        finally {
            read.unlock();
        }
    }
}
