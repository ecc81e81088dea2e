package io.keystonelight.client;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The jar's command line: whether it means the server or the client, and for the client its
 * options and command. Options come before the command, as {@code --port 7879} or
 * {@code --port=7879}; everything after the command belongs to it.
 *
 * @param host the server's address
 * @param port the server's TCP port
 * @param pidFile the server's PID file, for {@code compact}
 * @param waitSeconds how long to keep trying while nothing listens at the address yet (a server
 *        still starting); 0 fails at once
 * @param command the command word, in lower case; {@code help} for {@code --help} and {@code -h}
 * @param arguments the command's arguments
 */
public record ClientArguments(String host, int port, Path pidFile, int waitSeconds, String command,
        List<String> arguments) {

    /** The command word that runs the server. */
    public static final String SERVE = "serve";

    static final String DEFAULT_HOST = "127.0.0.1";

    static final int DEFAULT_PORT = 7878;

    static final Path DEFAULT_PID_FILE = Path.of("keystonelight.pid");

    static final String HELP = "help";

    static final String VERSION = "version";

    private static final Set<String> OPTIONS_WITH_VALUE = Set.of("--host", "--port", "--pid-file", "--wait");

    /** Spring Boot's switches that take no value. */
    private static final Set<String> SERVER_SWITCHES = Set.of("--debug", "--trace");

    /**
     * Whether the command line runs the server: no arguments, the command {@code serve}, or
     * nothing but server settings ({@code --name=value}).
     */
    public static boolean meansServe(String[] args) {
        int command = commandIndex(args);
        if (command < args.length) {
            return args[command].equals(SERVE);
        }
        return Arrays.stream(args)
                .allMatch(arg -> SERVER_SWITCHES.contains(arg) || (arg.contains("=") && !isClientOption(arg)));
    }

    /** Whether a server command line asks for the list of settings rather than a server. */
    public static boolean asksForHelp(String[] args) {
        return Arrays.stream(args).anyMatch(arg -> arg.equals("--help") || arg.equals("-h"));
    }

    /** The server's settings: the command line without the word {@code serve}. */
    public static String[] serverSettings(String[] args) {
        int command = commandIndex(args);
        if (command == args.length) {
            return args.clone();
        }
        String[] settings = new String[args.length - 1];
        System.arraycopy(args, 0, settings, 0, command);
        System.arraycopy(args, command + 1, settings, command, args.length - command - 1);
        return settings;
    }

    /** Reads a client command line; {@link #meansServe(String[])} must have said no. */
    static ClientArguments parse(String[] args) throws UsageException {
        String host = DEFAULT_HOST;
        int port = DEFAULT_PORT;
        Path pidFile = DEFAULT_PID_FILE;
        int waitSeconds = 0;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i++) {
            String arg = args[i];
            if (arg.equals("--help")) {
                return new ClientArguments(host, port, pidFile, waitSeconds, HELP, List.of());
            }
            if (arg.equals("--version")) {
                return new ClientArguments(host, port, pidFile, waitSeconds, VERSION, List.of());
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            if (!OPTIONS_WITH_VALUE.contains(name)) {
                throw new UsageException("unknown option '" + arg + "'; before the command the client takes --host, "
                        + "--port, --pid-file and --wait (server settings go after 'serve')", true);
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            }
            else if (i + 1 < args.length) {
                value = args[++i];
            }
            else {
                throw new UsageException("option " + name + " needs a value, as in " + name + " " + example(name));
            }
            if (value.isBlank()) {
                throw new UsageException("option " + name + " needs a value, as in " + name + " " + example(name));
            }
            if (name.equals("--host")) {
                host = value;
            }
            else if (name.equals("--port")) {
                port = parsePort(value);
            }
            else if (name.equals("--wait")) {
                waitSeconds = parseWait(value);
            }
            else {
                pidFile = Path.of(value);
            }
        }
        if (i == args.length) {
            throw new UsageException("no command given after the options; expected one of: set, get, delete, "
                    + "compact, ping", true);
        }
        String command = args[i].toLowerCase(Locale.ROOT);
        if (command.equals("-h")) {
            command = HELP;
        }
        else if (args[i].equals("-V")) {
            command = VERSION;
        }
        List<String> rest = List.of(Arrays.copyOfRange(args, i + 1, args.length));
        checkArguments(command, rest);
        return new ClientArguments(host, port, pidFile, waitSeconds, command, rest);
    }

    /** The key of {@code set}, {@code get}; the first key of {@code delete}. */
    String key() {
        return this.arguments.get(0);
    }

    /** The value of {@code set}: its remaining arguments, joined by one space. */
    String value() {
        return String.join(" ", this.arguments.subList(1, this.arguments.size()));
    }

    private static void checkArguments(String command, List<String> rest) throws UsageException {
        switch (command) {
            case "set" -> {
                if (rest.size() < 2) {
                    throw new UsageException("set needs a key and a value: set <key> <value...> "
                            + "(give \"\" for an empty value)");
                }
                checkKey(rest.get(0));
                for (String part : rest.subList(1, rest.size())) {
                    if (part.indexOf('\r') >= 0 || part.indexOf('\n') >= 0) {
                        throw new UsageException("the value contains a line break; values are one line of text");
                    }
                }
            }
            case "get" -> {
                if (rest.size() != 1) {
                    throw new UsageException("get takes exactly one key: get <key>");
                }
                checkKey(rest.get(0));
            }
            case "delete", "del" -> {
                if (rest.isEmpty()) {
                    throw new UsageException(command + " needs at least one key: " + command + " <key> [<key>...]");
                }
                for (String key : rest) {
                    checkKey(key);
                }
            }
            case "compact", "ping" -> {
                if (!rest.isEmpty()) {
                    throw new UsageException(command + " takes no arguments");
                }
            }
            case HELP, VERSION -> {
            }
            default -> throw new UsageException("unknown command '" + command + "'; expected one of: set, get, "
                    + "delete (or del), compact, ping, serve", true);
        }
    }

    /**
     * Refuses what would change the request's meaning on the wire: a key with a space would split
     * into two words. Every other rule about keys is the server's, which answers with ERR.
     */
    private static void checkKey(String key) throws UsageException {
        if (key.isEmpty()) {
            throw new UsageException("a key cannot be empty");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                throw new UsageException("the key '" + key.strip() + "' contains whitespace; keys are one word");
            }
        }
    }

    private static int parsePort(String value) throws UsageException {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        }
        catch (NumberFormatException ex) {
            // reported below
        }
        throw new UsageException("--port must be a number from 1 to 65535, got '" + value + "'");
    }

    private static int parseWait(String value) throws UsageException {
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= 0 && seconds <= 3600) {
                return seconds;
            }
        }
        catch (NumberFormatException ex) {
            // reported below
        }
        throw new UsageException("--wait must be a number of seconds from 0 to 3600, got '" + value + "'");
    }

    private static String example(String option) {
        switch (option) {
            case "--wait":
                return "30";
            case "--host":
                return "127.0.0.1";
            case "--port":
                return "7878";
            default:
                return "keystonelight.pid";
        }
    }

    private static boolean isClientOption(String arg) {
        int equals = arg.indexOf('=');
        String name = equals < 0 ? arg : arg.substring(0, equals);
        return OPTIONS_WITH_VALUE.contains(name) || name.equals("--help") || name.equals("--version");
    }

    /** Where the command word is: after the options and the values of those that take one. */
    private static int commandIndex(String[] args) {
        int i = 0;
        while (i < args.length && args[i].startsWith("--")) {
            if (OPTIONS_WITH_VALUE.contains(args[i])) {
                i++;
            }
            i++;
        }
        return Math.min(i, args.length);
    }
}
