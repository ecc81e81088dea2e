package io.keystonelight.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

import org.springframework.integration.ip.tcp.serializer.SoftEndOfStreamException;

/**
 * A connection's input, buffered and cut into request lines. Reads the socket in blocks rather
 * than the byte at a time of the stock deserializers, and owns the connection's closing
 * handshake after a request that cannot be framed, and when the server shuts down. It lives as
 * long as its connection, so it also holds whether the connection has authenticated.
 */
final class RequestReader extends InputStream {

    /** How long a connection that is being closed may keep sending before it is cut off. */
    private static final int LINGER_MILLIS = 2000;

    /** How much a connection that is being closed may still send before it is cut off. */
    private static final long LINGER_BYTES = 64L << 20;

    private final Socket socket;

    private final InputStream in;

    private byte[] buffer = new byte[8192];

    private int position;

    private int limit;

    private int lineStart;

    private int lineLength;

    private boolean closing;

    /** Guards the hand-over between this connection's thread and a shutdown that drains it. */
    private final Object drainLock = new Object();

    /** Set by {@link #finishAndClose()}: serve what was read, then close instead of reading on. */
    private boolean draining;

    /** This connection's thread waits for the client: every request read so far is answered. */
    private boolean waitingForClient;

    /** The drain ended the sending side while the connection was waiting: nothing more can be answered. */
    private boolean sendingShut;

    private boolean authenticated;

    RequestReader(Socket socket, InputStream in) {
        this.socket = socket;
        this.in = in;
    }

    /**
     * Reads the next line, without its {@code \n} or a {@code \r} before it, into
     * {@link #lineBuffer()} at {@link #lineStart()}.
     * @return true for a line, false when the line is longer than {@code maxLength}
     * @throws SoftEndOfStreamException when the client has closed its side (an unfinished line
     *         is dropped: it may be a request cut short)
     */
    boolean nextLine(int maxLength) throws IOException {
        if (this.closing) {
            lingerAndClose();
        }
        int scanned = this.position;
        while (true) {
            for (int i = scanned; i < this.limit; i++) {
                if (this.buffer[i] == '\n') {
                    int end = i > this.position && this.buffer[i - 1] == '\r' ? i - 1 : i;
                    this.lineStart = this.position;
                    this.lineLength = end - this.position;
                    this.position = i + 1;
                    return this.lineLength <= maxLength;
                }
            }
            int pending = this.limit - this.position;
            if (pending > maxLength + 1) {
                // No need to read the rest: this connection can no longer be framed.
                return false;
            }
            if (!fillUnlessDraining()) {
                throw new SoftEndOfStreamException("client closed the connection");
            }
            // fill() may have moved the pending bytes to the front; they hold no newline.
            scanned = this.position + pending;
        }
    }

    /**
     * Reads more of the request stream, unless the server is shutting down: then every request
     * already read has been answered (this thread only reads again after writing the last
     * reply), so the connection closes.
     */
    private boolean fillUnlessDraining() throws IOException {
        boolean draining;
        synchronized (this.drainLock) {
            draining = this.draining;
            this.waitingForClient = !draining;
        }
        if (draining) {
            lingerAndClose();
        }
        boolean more;
        boolean answerable;
        try {
            more = fill();
        }
        finally {
            synchronized (this.drainLock) {
                this.waitingForClient = false;
                answerable = !this.sendingShut;
            }
        }
        if (!answerable) {
            // Sent after the shutdown began, and there is no way left to answer it.
            lingerAndClose();
        }
        return more;
    }

    /**
     * Lets this connection get the replies to every request it has sent so far, then closes it.
     * One that is waiting for its client has nothing left to answer: its sending side is shut at
     * once, which tells the client that no more replies come. Any other finishes the requests
     * it has read, then closes when it would wait for more.
     */
    void finishAndClose() {
        synchronized (this.drainLock) {
            this.draining = true;
            if (this.waitingForClient && !this.sendingShut) {
                this.sendingShut = true;
                try {
                    this.socket.shutdownOutput();
                }
                catch (IOException ex) {
                    // Already closed: nothing left to tell the client.
                }
            }
        }
    }

    /** Whether every request read so far is answered and this connection waits for the client. */
    boolean isWaitingForClient() {
        synchronized (this.drainLock) {
            return this.waitingForClient;
        }
    }

    /** Whether this connection has nothing left to answer and only waits for its client to close. */
    boolean isFinished() {
        synchronized (this.drainLock) {
            return this.sendingShut && this.waitingForClient;
        }
    }

    /**
     * Whether another whole request is already buffered, so that the reply now being written
     * need not be sent on before it. False once the connection is closing: the last reply must
     * leave before the sending side is shut.
     */
    boolean hasBufferedRequest() {
        if (this.closing) {
            return false;
        }
        for (int i = this.position; i < this.limit; i++) {
            if (this.buffer[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    byte[] lineBuffer() {
        return this.buffer;
    }

    int lineStart() {
        return this.lineStart;
    }

    int lineLength() {
        return this.lineLength;
    }

    void authenticated() {
        this.authenticated = true;
    }

    boolean isAuthenticated() {
        return this.authenticated;
    }

    /** After the reply now being sent, the connection closes: see {@link #lingerAndClose()}. */
    void closeAfterReply() {
        this.closing = true;
    }

    /**
     * Ends the connection so that the client can read the last reply: a close with unread input
     * would reset the connection and could discard that reply from the client's buffers. So the
     * sending side is shut first, then what the client still sends is read and dropped for a
     * short while, and only then the socket closes.
     */
    private void lingerAndClose() throws IOException {
        try {
            if (!this.socket.isOutputShutdown()) {
                this.socket.shutdownOutput();
            }
            this.socket.setSoTimeout(LINGER_MILLIS);
            long deadline = System.nanoTime() + LINGER_MILLIS * 1_000_000L;
            long drained = 0;
            byte[] sink = this.buffer;
            int n;
            while (drained < LINGER_BYTES && System.nanoTime() < deadline && (n = this.in.read(sink)) >= 0) {
                drained += n;
            }
        }
        catch (SocketTimeoutException ex) {
            // The client kept the connection open without sending: close it now.
        }
        throw new SoftEndOfStreamException("connection closed after a request that could not be framed");
    }

    private boolean fill() throws IOException {
        if (this.position > 0) {
            System.arraycopy(this.buffer, this.position, this.buffer, 0, this.limit - this.position);
            this.limit -= this.position;
            this.position = 0;
        }
        if (this.limit == this.buffer.length) {
            this.buffer = Arrays.copyOf(this.buffer, this.buffer.length * 2);
        }
        int n = this.in.read(this.buffer, this.limit, this.buffer.length - this.limit);
        if (n < 0) {
            return false;
        }
        this.limit += n;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (this.position == this.limit && !fill()) {
            return -1;
        }
        return this.buffer[this.position++] & 0xff;
    }

    @Override
    public int available() throws IOException {
        return this.limit - this.position + this.in.available();
    }
}
