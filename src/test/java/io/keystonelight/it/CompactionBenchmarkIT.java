package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.Load;
import io.keystonelight.support.ServerProcess;

/**
 * How long compacting a million keys takes, and how long writers and readers wait meanwhile.
 * A measurement, not a check, so it runs only when asked:
 * {@code ./mvnw -B verify -Dkeystonelight.benchmark=true -Dit.test=CompactionBenchmarkIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dkeystonelight.benchmark.keys=N} changes the size.
 */
@EnabledIfSystemProperty(named = "keystonelight.benchmark", matches = "true")
class CompactionBenchmarkIT {

    private static final Pattern REPLY = Pattern.compile("OK compacted: (\\d+) -> (\\d+) bytes .* took (\\d+) ms");

    private static final Pattern STALL = Pattern.compile("writers held back at most (\\d+) ms");

    @TempDir
    Path folder;

    @Test
    void compactOneMillionKeysWhileAWriterAndAReaderRun() throws Exception {
        int keys = Integer.getInteger("keystonelight.benchmark.keys", 1_000_000);
        try (ServerProcess server = ServerProcess.start(this.folder)) {
            long loading = System.nanoTime();
            // Ten-byte keys and sixteen-byte values, as in the Redis reference figures.
            Load.pipelineSets(server.port(), "key:", keys, "v".repeat(16), 16);
            Load.pipelineSets(server.port(), "key:", keys / 5, "w".repeat(16), 16);
            System.out.printf("loaded %,d keys (+%,d overwrites, fsync always, 16 connections) in %d ms%n", keys,
                    keys / 5, Duration.ofNanos(System.nanoTime() - loading).toMillis());

            AtomicBoolean stop = new AtomicBoolean();
            Timings writes = new Timings();
            Timings reads = new Timings();
            Thread writer = new Thread(() -> run(server, stop, writes,
                    i -> "set bench" + (i % 1000) + " " + i));
            Thread reader = new Thread(() -> run(server, stop, reads, i -> "get key:" + (i * 7919 % keys)));
            writer.start();
            reader.start();
            try (LineClient compactor = server.connect()) {
                long previous = System.nanoTime();
                for (int round = 1; round <= 3; round++) {
                    awaitRequests(writes, 2000);
                    long start = System.nanoTime();
                    String reply = compactor.call("compact");
                    long end = System.nanoTime();
                    Matcher done = REPLY.matcher(reply);
                    assertThat(done.find()).as(reply).isTrue();
                    awaitRequests(writes, 2000);
                    System.out.printf("round %d: compaction %s -> %s bytes took %s ms (client saw %d ms); "
                            + "longest write %.1f ms (between compactions: %.1f ms), "
                            + "longest read %.1f ms (between compactions: %.1f ms)%n",
                            round, done.group(1), done.group(2), done.group(3), (end - start) / 1_000_000,
                            writes.longestOverlapping(start, end), writes.longestWithin(previous, start),
                            reads.longestOverlapping(start, end), reads.longestWithin(previous, start));
                    previous = end;
                }
            }
            stop.set(true);
            writer.join();
            reader.join();
            Matcher stalls = STALL.matcher(server.output());
            List<String> seen = new ArrayList<>();
            while (stalls.find()) {
                seen.add(stalls.group(1) + " ms");
            }
            System.out.println("store's own account of the longest write stall per compaction: " + seen);
        }
    }

    private interface Request {

        String line(int i);
    }

    private static void run(ServerProcess server, AtomicBoolean stop, Timings timings, Request request) {
        try (LineClient client = server.connect()) {
            for (int i = 0; !stop.get(); i++) {
                long start = System.nanoTime();
                String reply = client.call(request.line(i));
                timings.add(start, System.nanoTime());
                if (reply.startsWith("ERR")) {
                    throw new IllegalStateException(reply);
                }
            }
        }
    }

    private static void awaitRequests(Timings timings, int more) throws InterruptedException {
        int target = timings.count() + more;
        while (timings.count() < target) {
            synchronized (timings) {
                timings.wait(1000);
            }
        }
    }

    /** When each request started and ended, to find the slowest one that overlapped a compaction. */
    private static final class Timings {

        private long[] starts = new long[1 << 16];

        private long[] ends = new long[1 << 16];

        private int count;

        synchronized void add(long start, long end) {
            if (this.count == this.starts.length) {
                this.starts = Arrays.copyOf(this.starts, this.count * 2);
                this.ends = Arrays.copyOf(this.ends, this.count * 2);
            }
            this.starts[this.count] = start;
            this.ends[this.count] = end;
            this.count++;
            notifyAll();
        }

        synchronized int count() {
            return this.count;
        }

        synchronized double longestOverlapping(long from, long to) {
            long longest = 0;
            for (int i = 0; i < this.count; i++) {
                if (this.ends[i] >= from && this.starts[i] <= to) {
                    longest = Math.max(longest, this.ends[i] - this.starts[i]);
                }
            }
            return longest / 1e6;
        }

        /** The slowest request that started and ended between {@code from} and {@code to}. */
        synchronized double longestWithin(long from, long to) {
            long longest = 0;
            for (int i = 0; i < this.count; i++) {
                if (this.starts[i] >= from && this.ends[i] < to) {
                    longest = Math.max(longest, this.ends[i] - this.starts[i]);
                }
            }
            return longest / 1e6;
        }
    }
}
