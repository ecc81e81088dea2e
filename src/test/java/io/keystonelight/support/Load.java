package io.keystonelight.support;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Fills a server quickly: requests sent without waiting for their replies, which are read
 * meanwhile on another thread (waiting for neither would fill both socket buffers and stall).
 */
public final class Load {

    private Load() {
    }

    /** Sets {@code prefix0} ... {@code prefix<count-1>} to {@code value}; returns once all are acknowledged. */
    public static void pipelineSets(int port, String prefix, int count, String value) {
        pipelineSets(port, prefix, count, value, 1);
    }

    /**
     * As {@link #pipelineSets(int, String, int, String)}, over {@code connections} connections at
     * once: a connection's requests run one after the other, so only several connections let
     * group commit share an fsync among writes.
     */
    public static void pipelineSets(int port, String prefix, int count, String value, int connections) {
        ExecutorService threads = Executors.newFixedThreadPool(2 * connections);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int from = (int) ((long) count * c / connections);
                int to = (int) ((long) count * (c + 1) / connections);
                parts.add(threads.submit(() -> {
                    pipelineSets(port, prefix, from, to, value, threads);
                    return null;
                }));
            }
            for (Future<?> part : parts) {
                part.get(10, TimeUnit.MINUTES);
            }
        }
        catch (Exception ex) {
            throw new IllegalStateException("loading " + count + " keys failed", ex);
        }
        finally {
            threads.shutdownNow();
        }
    }

    private static void pipelineSets(int port, String prefix, int from, int to, String value,
            ExecutorService threads) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(120_000);
            BufferedReader replies = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            Future<?> acknowledged = threads.submit(() -> {
                try {
                    for (int i = from; i < to; i++) {
                        String reply = replies.readLine();
                        if (!"OK".equals(reply)) {
                            throw new IllegalStateException("set number " + i + " was answered " + reply);
                        }
                    }
                }
                catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            for (int i = from; i < to; i++) {
                out.write(("set " + prefix + i + " " + value + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            acknowledged.get(10, TimeUnit.MINUTES);
        }
    }
}
