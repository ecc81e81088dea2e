package io.keystonelight.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command-line client: one command, one request, a bare answer on stdout and an exit status
 * a script can act on. Plain JDK only, so that it answers in a fraction of a second.
 */
public final class KeystoneLightClient {

    /** The command did what was asked. */
    public static final int SUCCESS = 0;

    /** {@code get} found no such key. */
    public static final int NOT_FOUND = 1;

    /** The command line was wrong, or the server answered {@code ERR}. */
    public static final int USAGE_OR_ERROR = 2;

    /** No KeystoneLight server answered at the address. */
    public static final int UNREACHABLE = 3;

    static final String USAGE = """
            Usage: java -jar keystonelight.jar [--host HOST] [--port PORT] [--pid-file FILE] COMMAND [ARGS]
                   java -jar keystonelight.jar [serve] [--name=value ...]

            Commands:
              set <key> <value...>     set a key; the remaining arguments, joined by one space, are the value
              get <key>                print the value of a key
              delete <key> [<key>...]  delete keys (alias: del); prints how many of them existed
              compact                  compact the data file and print what it reclaimed: SIGUSR1 to the
                                       process in the PID file when that is the server at --host/--port,
                                       else the compact request; returns once the compaction finished
              ping                     check that the server answers
              serve                    run the server (also: no command at all); settings follow as
                                       --name=value; serve --help lists them

            Options, before the command:
              --host HOST              the server's address (default 127.0.0.1)
              --port PORT              the server's TCP port (default 7878)
              --pid-file FILE          the server's PID file, for compact (default keystonelight.pid)
              --wait SECONDS           while nothing listens at the address yet (a server starting), keep
                                       trying for up to this long (default 0: fail at once)
              --help, -h               print this and exit
              --version, -V            print the version and exit

            A server with a password (keystonelight.server.password) gets it from the environment
            variable KEYSTONELIGHT_SERVER_PASSWORD, as the server itself does.

            Exit status: 0 done (delete included, whether or not the keys existed), 1 get found no
            such key, 2 usage error, ERR from the server or a failed compaction, 3 server not
            reachable. Every failure prints one line on stderr.
            """;

    /** The server's own setting, so that a server and a client in one environment agree. */
    static final String PASSWORD_VARIABLE = "KEYSTONELIGHT_SERVER_PASSWORD";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

    /** A compaction of a large file takes a while; the reply comes when it is done. */
    private static final Duration COMPACT_REPLY_TIMEOUT = Duration.ofMinutes(10);

    /**
     * After SIGUSR1, how long the server may take to begin a compaction while none is running: its
     * scheduler looks for the signal once a second.
     */
    private static final Duration SIGNAL_NOTICED_TIMEOUT = Duration.ofSeconds(10);

    private static final Duration STATUS_POLL_INTERVAL = Duration.ofMillis(25);

    /** With --wait, how often to try again while nothing listens yet. */
    private static final Duration WAIT_RETRY_INTERVAL = Duration.ofMillis(100);

    private static final Pattern COMPACT_STATUS = Pattern
            .compile("COMPACT pid=(\\d+) started=(\\d+) finished=(\\d+) last=(.*)");

    private final ClientArguments arguments;

    private final PrintStream out;

    private final PrintStream err;

    /** Sent first as {@code auth <password>} when set; {@code null} for a server without one. */
    private final String password;

    private KeystoneLightClient(ClientArguments arguments, String password, PrintStream out, PrintStream err) {
        this.arguments = arguments;
        this.password = password;
        this.out = out;
        this.err = err;
    }

    /**
     * The entry point of {@code keystonelight-client.jar}, the client without Spring Boot's
     * launcher; it cannot serve.
     */
    public static void main(String[] args) {
        if (ClientArguments.meansServe(args)) {
            System.err.println("keystonelight: keystonelight-client.jar is the client only; the server runs with "
                    + "java -jar keystonelight.jar" + (args.length == 0 ? "" : " " + String.join(" ", args)));
            System.exit(USAGE_OR_ERROR);
        }
        System.exit(run(args));
    }

    /** Runs the command line on the process's stdout and stderr, in UTF-8 whatever the locale. */
    public static int run(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return run(args, System.getenv(), out, err);
    }

    /** Runs the command line; returns the exit status. */
    public static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        ClientArguments arguments;
        try {
            arguments = ClientArguments.parse(args);
        }
        catch (UsageException ex) {
            err.println("keystonelight: " + ex.getMessage() + (ex.showUsage() ? " (see --help)" : ""));
            return USAGE_OR_ERROR;
        }
        if (arguments.command().equals(ClientArguments.HELP)) {
            out.print(USAGE);
            return SUCCESS;
        }
        if (arguments.command().equals(ClientArguments.VERSION)) {
            out.println("keystonelight " + version());
            return SUCCESS;
        }
        String password = environment.get(PASSWORD_VARIABLE);
        if (password != null && (password.indexOf('\r') >= 0 || password.indexOf('\n') >= 0)) {
            err.println("keystonelight: " + PASSWORD_VARIABLE + " contains a line break; a password is one line");
            return USAGE_OR_ERROR;
        }
        return new KeystoneLightClient(arguments, password == null || password.isEmpty() ? null : password, out,
                err).execute();
    }

    private int execute() {
        try {
            switch (this.arguments.command()) {
                case "set":
                    return set();
                case "get":
                    return get();
                case "delete":
                case "del":
                    return delete();
                case "compact":
                    return compact();
                default:
                    return ping();
            }
        }
        catch (ErrorReply ex) {
            String hint = ex.getMessage().startsWith("authentication required")
                    ? " (the client sends the password in " + PASSWORD_VARIABLE + ")" : "";
            return fail(USAGE_OR_ERROR, "the server refused the request: " + ex.getMessage() + hint);
        }
        catch (Unreachable ex) {
            return fail(UNREACHABLE, ex.getMessage());
        }
    }

    private int set() throws ErrorReply, Unreachable {
        String reply = call("set " + this.arguments.key() + " " + this.arguments.value(), REPLY_TIMEOUT);
        expect(reply, "OK");
        this.out.println("OK");
        return SUCCESS;
    }

    private int get() throws ErrorReply, Unreachable {
        String reply = call("get " + this.arguments.key(), REPLY_TIMEOUT);
        if (reply.equals("NOT_FOUND")) {
            return fail(NOT_FOUND, "key '" + this.arguments.key() + "' not found");
        }
        expect(reply, "VALUE ");
        this.out.println(reply.substring("VALUE ".length()));
        return SUCCESS;
    }

    private int delete() throws ErrorReply, Unreachable {
        String reply = call("delete " + String.join(" ", this.arguments.arguments()), REPLY_TIMEOUT);
        expect(reply, "DELETED ");
        // Deleting what is not there is done, not a failure: scripts stay idempotent under set -e.
        this.out.println(reply.substring("DELETED ".length()));
        return SUCCESS;
    }

    private int ping() throws ErrorReply, Unreachable {
        String reply = call("ping", REPLY_TIMEOUT);
        expect(reply, "PONG");
        this.out.println("PONG");
        return SUCCESS;
    }

    /**
     * Compacts the server at the address the options name, and returns once that compaction
     * finished. SIGUSR1 goes to the process in the PID file only when the server at that address
     * says it is that process; the client then waits, through {@code compact status}, until a
     * compaction that began after the signal finished. Otherwise it sends the {@code compact}
     * request, whose reply comes when the compaction is done.
     */
    private int compact() throws ErrorReply, Unreachable {
        CompactStatus before = compactStatus();
        CompactionSignalSender.Outcome signal = CompactionSignalSender.send(this.arguments.host(),
                this.arguments.pidFile(), before.pid());
        String outcome;
        String how;
        if (signal.sent()) {
            outcome = awaitCompactionAfter(before, signal.pid());
            how = "SIGUSR1 to process " + signal.pid() + " from " + this.arguments.pidFile();
        }
        else {
            outcome = call("compact", COMPACT_REPLY_TIMEOUT);
            how = "sent the compact request: " + signal.whyNot();
        }
        if (outcome.startsWith("ERR")) {
            return fail(USAGE_OR_ERROR, outcome.substring(3).strip() + " (" + how + ")");
        }
        expect(outcome, "OK");
        String done = outcome.substring("OK".length()).strip();
        this.out.println((done.isEmpty() ? "compacted" : done) + " (" + how + ")");
        return SUCCESS;
    }

    /** The outcome ({@code OK ...} or {@code ERR ...}) of the first compaction to start after {@code before}. */
    private String awaitCompactionAfter(CompactStatus before, long pid) throws ErrorReply, Unreachable {
        long deadline = System.nanoTime() + COMPACT_REPLY_TIMEOUT.toNanos();
        long noticedBy = System.nanoTime() + SIGNAL_NOTICED_TIMEOUT.toNanos();
        while (true) {
            CompactStatus now = compactStatus();
            if (now.pid() != pid) {
                throw new Unreachable("the server at " + address() + " is no longer process " + pid
                        + "; did it restart?");
            }
            if (now.finished() > before.started()) {
                return now.last();
            }
            boolean idle = now.started() == now.finished();
            if (idle && now.started() == before.started() && System.nanoTime() - noticedBy > 0) {
                return "ERR the server did not begin a compaction within " + SIGNAL_NOTICED_TIMEOUT.toSeconds()
                        + " s of SIGUSR1; its log may say why";
            }
            if (System.nanoTime() - deadline > 0) {
                return "ERR the compaction did not finish within " + COMPACT_REPLY_TIMEOUT.toMinutes()
                        + " minutes; it may still be running, the server's log says when it ends";
            }
            try {
                Thread.sleep(STATUS_POLL_INTERVAL.toMillis());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new Unreachable("interrupted while waiting for the compaction");
            }
        }
    }

    private CompactStatus compactStatus() throws ErrorReply, Unreachable {
        String reply = call("compact status", REPLY_TIMEOUT);
        Matcher matcher = COMPACT_STATUS.matcher(reply);
        if (!matcher.matches()) {
            expect(reply, "COMPACT ");
            throw new Unreachable("unexpected reply from " + address() + " to compact status: '" + shorten(reply)
                    + "'");
        }
        return new CompactStatus(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)),
                Long.parseLong(matcher.group(3)), matcher.group(4));
    }

    /** The server's reply to {@code compact status}. */
    private record CompactStatus(long pid, long started, long finished, String last) {
    }

    /** The jar's version, from its manifest; {@code unknown} when run from classes. */
    static String version() {
        String version = KeystoneLightClient.class.getPackage().getImplementationVersion();
        return version == null ? "(version unknown: not run from the packaged jar)" : version;
    }

    private int fail(int status, String message) {
        this.err.println("keystonelight: " + message);
        return status;
    }

    /** Checks that the reply is the expected kind; ERR and strangers are reported, not printed. */
    private void expect(String reply, String start) throws ErrorReply, Unreachable {
        if (reply.startsWith(start)) {
            return;
        }
        if (reply.startsWith("ERR")) {
            throw new ErrorReply(reply.substring(3).strip());
        }
        throw new Unreachable("unexpected reply from " + address() + ": '" + shorten(reply)
                + "'; is a KeystoneLight server listening there?");
    }

    /**
     * Sends one request line and reads its one reply line; with a password, sends {@code auth}
     * first, in the same write.
     */
    private String call(String request, Duration replyTimeout) throws ErrorReply, Unreachable {
        try (Socket socket = connect()) {
            socket.setSoTimeout((int) replyTimeout.toMillis());
            socket.setTcpNoDelay(true);
            OutputStream output = socket.getOutputStream();
            String lines = this.password == null ? request + "\n" : "auth " + this.password + "\n" + request + "\n";
            output.write(lines.getBytes(StandardCharsets.UTF_8));
            output.flush();
            // Closing our side tells the server no more requests follow; it still sends the reply.
            socket.shutdownOutput();
            InputStream replies = new BufferedInputStream(socket.getInputStream());
            if (this.password != null) {
                String authReply = readLine(replies);
                // A server without a password says so, and serves the request all the same.
                if (authReply != null && authReply.startsWith("ERR") && !authReply.contains("no password is set")) {
                    throw new ErrorReply("password from " + PASSWORD_VARIABLE + " not accepted: "
                            + authReply.substring(3).strip());
                }
            }
            String reply = readLine(replies);
            if (reply == null) {
                throw new Unreachable("the server at " + address() + " closed the connection without replying; "
                        + "is it shutting down?");
            }
            return reply;
        }
        catch (UnknownHostException ex) {
            throw new Unreachable("cannot reach a KeystoneLight server at " + address() + ": unknown host");
        }
        catch (ConnectException ex) {
            throw new Unreachable("cannot reach a KeystoneLight server at " + address() + ": " + ex.getMessage()
                    + (this.arguments.waitSeconds() > 0 ? " (waited " + this.arguments.waitSeconds() + " s)" : "")
                    + "; is it running? (see --host and --port)");
        }
        catch (SocketTimeoutException ex) {
            throw new Unreachable("no reply from " + address() + " within " + replyTimeout.toSeconds() + " seconds");
        }
        catch (IOException ex) {
            throw new Unreachable("lost the connection to " + address() + ": " + ex.getMessage());
        }
    }

    /**
     * Connects to the server; with {@code --wait}, tries again while nothing listens there yet, as
     * while a server starts, until the time is up.
     */
    private Socket connect() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(this.arguments.waitSeconds());
        while (true) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(this.arguments.host(), this.arguments.port()),
                        (int) CONNECT_TIMEOUT.toMillis());
                return socket;
            }
            catch (ConnectException ex) {
                socket.close();
                if (System.nanoTime() - deadline >= 0) {
                    throw ex;
                }
            }
            catch (IOException | RuntimeException ex) {
                socket.close();
                throw ex;
            }
            try {
                Thread.sleep(WAIT_RETRY_INTERVAL.toMillis());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while waiting for the server");
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }

    private String address() {
        return this.arguments.host() + ":" + this.arguments.port();
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /** The server answered ERR; the message is the rest of its line. */
    private static final class ErrorReply extends Exception {

        ErrorReply(String message) {
            super(message);
        }
    }

    /** No usable answer from the address: nothing listens, the connection broke, or a stranger answered. */
    private static final class Unreachable extends Exception {

        Unreachable(String message) {
            super(message);
        }
    }
}
