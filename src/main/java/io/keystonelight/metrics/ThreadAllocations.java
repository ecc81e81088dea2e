package io.keystonelight.metrics;

import java.lang.management.ManagementFactory;
import java.util.List;

import io.keystonelight.store.KeyValueStore;
import io.keystonelight.transport.EventLoopServerConnectionFactory;

import org.springframework.stereotype.Component;

/**
 * Bytes allocated since start by the threads that serve requests: the event loops (read, parse,
 * execute, reply) and the write pipeline's committer. Divided by the requests served over a
 * steady run, they give what one request costs the garbage collector; the per-thread counters
 * the JVM keeps anyway (HotSpot's TLAB accounting) cost nothing per request to read.
 */
@Component
public class ThreadAllocations {

    private final EventLoopServerConnectionFactory connections;

    private final KeyValueStore store;

    private final com.sun.management.ThreadMXBean threads;

    public ThreadAllocations(EventLoopServerConnectionFactory connections, KeyValueStore store) {
        this.connections = connections;
        this.store = store;
        this.threads = ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean sun
                && sun.isThreadAllocatedMemorySupported() ? sun : null;
    }

    /** Whether this JVM counts allocation per thread; when not, both figures are -1. */
    public boolean supported() {
        return this.threads != null && this.threads.isThreadAllocatedMemoryEnabled();
    }

    /** Bytes the event loop threads allocated since they started, together. */
    public long eventLoopBytes() {
        return allocatedBy(this.connections.eventLoopThreads());
    }

    /** Bytes the write pipeline's committer allocated since it started. */
    public long committerBytes() {
        return allocatedBy(List.of(this.store.committerThread()));
    }

    private long allocatedBy(List<Thread> of) {
        if (!supported()) {
            return -1;
        }
        long total = 0;
        for (Thread thread : of) {
            long bytes = this.threads.getThreadAllocatedBytes(thread.getId());
            // A thread that ended has no counter any more: -1.
            total += Math.max(0, bytes);
        }
        return total;
    }
}
