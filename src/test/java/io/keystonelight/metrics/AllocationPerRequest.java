package io.keystonelight.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ExtendWith;

import io.keystonelight.support.NettyLeakDetectionOff;
import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

/**
 * A server whose request path's allocation is measured: what the threads that serve requests
 * allocate per request, from INFO's per-thread counters.
 */
@ExtendWith(NettyLeakDetectionOff.class)
abstract class AllocationPerRequest extends ServerInThisJvm {

    /**
     * What the threads of {@code counters} (INFO stats fields) allocated per request of the
     * {@code count} that {@code requests} sends, less what the INFO that reads them allocates
     * itself (measured by two INFOs in a row). The least of a few rounds: what a request allocates
     * shows in every round, while a task the loop runs now and then (a timer, a collection of the
     * loop's own) shows in one.
     */
    static double bytesPerRequest(RespConnection info, int count, Runnable requests, String... counters) {
        requests.run(); // warm: the first requests of a connection grow its reused arrays once
        double least = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long first = allocated(info, counters);
            long second = allocated(info, counters);
            requests.run();
            long third = allocated(info, counters);
            least = Math.min(least, (double) (third - second - (second - first)) / count);
        }
        return least;
    }

    private static long allocated(RespConnection info, String... counters) {
        String stats = info.call("INFO", "stats");
        long total = 0;
        for (String counter : counters) {
            Matcher matcher = Pattern.compile("(?m)^" + counter + ":(-?[0-9]+)").matcher(stats);
            assertThat(matcher.find()).as("INFO stats has %s", counter).isTrue();
            total += Long.parseLong(matcher.group(1));
        }
        return total;
    }
}
