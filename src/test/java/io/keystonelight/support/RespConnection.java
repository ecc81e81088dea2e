package io.keystonelight.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A RESP connection at the byte level: sends exactly the bytes given and reads back one whole
 * reply at a time as the bytes that came, so that two servers' replies can be compared byte for
 * byte, malformed requests included.
 */
public final class RespConnection implements AutoCloseable {

    private final Socket socket;

    private final InputStream in;

    private final OutputStream out;

    private RespConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RespConnection connect(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(20_000);
            socket.setTcpNoDelay(true);
            return new RespConnection(socket);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not connect to port " + port, ex);
        }
    }

    /**
     * Waits until the server on {@code port} counts {@code count} clients blocked in a pop, asked
     * from a connection of its own each time: a blocked request is queued on its keys and has
     * made its first attempt's write by the time it is counted.
     */
    public static void awaitBlockedClients(int port, int count) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (RespConnection observer = connect(port)) {
                if (observer.call("INFO", "clients").contains("blocked_clients:" + count + "\r\n")) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(count + " blocked client(s) expected within 30 s");
            }
            Thread.onSpinWait();
        }
    }

    /** A request as a RESP array of bulk strings. */
    public static byte[] request(byte[]... arguments) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(("*" + arguments.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] argument : arguments) {
            bytes.writeBytes(("$" + argument.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            bytes.writeBytes(argument);
            bytes.writeBytes(new byte[] { '\r', '\n' });
        }
        return bytes.toByteArray();
    }

    public static byte[] request(String... arguments) {
        byte[][] bytes = new byte[arguments.length][];
        for (int i = 0; i < arguments.length; i++) {
            bytes[i] = arguments[i].getBytes(StandardCharsets.UTF_8);
        }
        return request(bytes);
    }

    public RespConnection send(byte[] bytes) {
        try {
            this.out.write(bytes);
            this.out.flush();
            return this;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Sends a request of these arguments and returns its reply as text. */
    public String call(String... arguments) {
        send(request(arguments));
        return readReply();
    }

    /** The next whole reply, as the bytes that came (ISO-8859-1, so every byte is one char). */
    public String readReply() {
        try {
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            readValue(reply);
            return reply.toString(StandardCharsets.ISO_8859_1);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void readValue(ByteArrayOutputStream reply) throws IOException {
        String line = readLine(reply);
        char type = line.charAt(0);
        switch (type) {
            // RESP3's null, double, boolean and big number are one line, as RESP2's simple types.
            case '+', '-', ':', '_', ',', '#', '(' -> {
            }
            // Verbatim strings and blob errors are framed as bulk strings.
            case '$', '=', '!' -> {
                int length = Integer.parseInt(line.substring(1));
                if (length >= 0) {
                    reply.writeBytes(this.in.readNBytes(length + 2));
                }
            }
            case '*', '~', '>' -> {
                int count = Integer.parseInt(line.substring(1));
                for (int i = 0; i < count; i++) {
                    readValue(reply);
                }
            }
            case '%' -> {
                int pairs = Integer.parseInt(line.substring(1));
                for (int i = 0; i < 2 * pairs; i++) {
                    readValue(reply);
                }
            }
            default -> throw new IOException("not a RESP reply: " + line);
        }
    }

    private String readLine(ByteArrayOutputStream reply) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = this.in.read();
            if (b < 0) {
                throw new EOFException("the connection closed; read so far: " + reply.toString(StandardCharsets.ISO_8859_1)
                        + line.toString(StandardCharsets.ISO_8859_1));
            }
            reply.write(b);
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
    }

    /** Whether any byte of a reply has arrived, without waiting or consuming it. */
    public boolean replyArrived() {
        try {
            return this.in.available() > 0;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Whether the server closed the connection: reads until end of stream, failing on more data or a timeout. */
    public boolean closedByServer() {
        try {
            this.socket.setSoTimeout(10_000);
            return this.in.read() < 0;
        }
        catch (SocketTimeoutException ex) {
            return false;
        }
        catch (IOException ex) {
            return true; // reset
        }
    }

    @Override
    public void close() {
        try {
            this.socket.close();
        }
        catch (IOException ex) {
            // closing
        }
    }
}
