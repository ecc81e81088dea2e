package io.keystonelight.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain socket client of the text protocol, as {@code nc} would be: it sends bytes and reads
 * reply lines, checking that each ends with {@code \r\n}.
 *
 * <p>The two ways a read can go wrong are kept apart, because harnesses that kill the server
 * expect the first and must never mistake the second for it: the connection ending (an
 * {@link UncheckedIOException}, or {@code null} from {@link #readLine()}) and a malformed reply
 * (an {@link AssertionError} naming it), which is a fault of the server whatever else happens.
 */
public final class LineClient implements AutoCloseable {

    /** Requests {@link #callAll} sends before it reads their replies. */
    private static final int PIPELINE_BATCH = 100;

    private final Socket socket;

    private final java.io.PushbackInputStream in;

    private final OutputStream out;

    public LineClient(String host, int port) {
        try {
            this.socket = new Socket();
            this.socket.connect(new InetSocketAddress(host, port), 10_000);
            this.socket.setSoTimeout(30_000);
            this.socket.setTcpNoDelay(true);
            this.in = new java.io.PushbackInputStream(this.socket.getInputStream(), 1);
            this.out = this.socket.getOutputStream();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public static LineClient connect(int port) {
        return new LineClient("127.0.0.1", port);
    }

    /** Sends one request line ended by {@code \n} and returns its reply line. */
    public String call(String request) {
        send(request + "\n");
        return readLine();
    }

    /**
     * Sends {@code requests} pipelined and returns their reply lines in order: in batches of
     * {@value #PIPELINE_BATCH}, a few kilobytes each way, so that neither side's socket buffer
     * fills while the other is not reading. Many reads one round trip each were most of a cluster
     * test's time, each read waiting for a read barrier.
     */
    public List<String> callAll(List<String> requests) {
        List<String> replies = new ArrayList<>(requests.size());
        for (int from = 0; from < requests.size(); from += PIPELINE_BATCH) {
            List<String> batch = requests.subList(from, Math.min(requests.size(), from + PIPELINE_BATCH));
            StringBuilder lines = new StringBuilder();
            batch.forEach(request -> lines.append(request).append('\n'));
            send(lines.toString());
            for (int i = 0; i < batch.size(); i++) {
                replies.add(readLine());
            }
        }
        return replies;
    }

    public void send(String raw) {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    public void sendBytes(byte[] raw) {
        try {
            this.out.write(raw);
            this.out.flush();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Reads one reply line without its {@code \r\n}; {@code null} at the end of the stream. */
    public String readLine() {
        try {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = this.in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                        throw new AssertionError("malformed reply from the server: a line ended by \\n alone, "
                                + "where \\r\\n was expected: '" + new String(bytes, StandardCharsets.UTF_8) + "'");
                    }
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            if (line.size() > 0) {
                // A server killed while it wrote can leave half a line: the connection ended.
                throw new UncheckedIOException(new EOFException("the connection ended inside a reply line: '"
                        + line.toString(StandardCharsets.UTF_8) + "'"));
            }
            return null;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Whether a reply starts to arrive within {@code wait}, without consuming it: for checking
     * that a reply is not sent before something happened.
     */
    public boolean hasReplyWithin(java.time.Duration wait) {
        try {
            int timeout = this.socket.getSoTimeout();
            this.socket.setSoTimeout((int) wait.toMillis());
            try {
                int b = this.in.read();
                if (b < 0) {
                    return true;
                }
                this.in.unread(b);
                return true;
            }
            catch (java.net.SocketTimeoutException ex) {
                return false;
            }
            finally {
                this.socket.setSoTimeout(timeout);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Closes the sending side only, as {@code nc -N} does after its input ends. */
    public void shutdownOutput() {
        try {
            this.socket.shutdownOutput();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public void setReadTimeout(int millis) {
        try {
            this.socket.setSoTimeout(millis);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() {
        try {
            this.socket.close();
        }
        catch (IOException ex) {
            // closing anyway
        }
    }
}
