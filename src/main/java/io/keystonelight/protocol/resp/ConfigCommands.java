package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandException;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.command.StatusReply;
import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.store.KeyValueStore;
import io.keystonelight.transport.EventLoopServerConnectionFactory;

/**
 * {@code CONFIG GET|SET|RESETSTAT|REWRITE|HELP} as Redis 7.0 answers them, over the Redis settings
 * that have a meaning here. Those that can change while the server runs change for this run only;
 * the others answer Redis's error for an immutable setting.
 */
@Component
class ConfigCommands implements CommandFamily {

    private static final List<String> HELP = List.of(
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.");

    private static final Pattern INTEGER = Pattern.compile("0|-?[1-9][0-9]*");

    private static final Pattern MEMORY = Pattern.compile("([0-9]+)(b|k|kb|m|mb|g|gb)?", Pattern.CASE_INSENSITIVE);

    private static final long MIN_BULK_LEN = KeystoneLightProperties.Server.MIN_PROTO_MAX_BULK_LEN.toBytes();

    private static final long MAX_BULK_LEN = KeystoneLightProperties.Server.MAX_PROTO_MAX_BULK_LEN.toBytes();

    /**
     * One setting: its value now, and for one that changes at run time how a value is read (a
     * {@link Failure} says what was wrong, in Redis's words) and applied.
     */
    private record Setting(Supplier<String> value, Function<String, Object> parse, Consumer<Object> apply) {

        static Setting fixed(String value) {
            return new Setting(() -> value, null, null);
        }

        static Setting fixed(Supplier<String> value) {
            return new Setting(value, null, null);
        }

        boolean mutable() {
            return this.apply != null;
        }
    }

    /** A value CONFIG SET refuses, with Redis's reason. */
    private static final class Failure extends RuntimeException {

        Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    private final ServerCommands server;

    /** By name, in the order CONFIG GET lists them. */
    private final Map<String, Setting> settings = new LinkedHashMap<>();

    ConfigCommands(KeyValueStore store, EventLoopServerConnectionFactory connections,
            KeystoneLightProperties properties, KeyspaceNotifications notifications, ServerCommands server) {
        this.server = server;
        Path dataFile = store.dataFilePath().toAbsolutePath();
        // The write path is built for its fsync policy when the server starts (under always a
        // committer thread groups the fsyncs; otherwise writes commit on their event loop and a
        // timer fsyncs): it cannot change under writes in flight.
        String fsync = properties.storage().fsync().name().toLowerCase(Locale.ROOT);
        this.settings.put("appendonly", Setting.fixed("yes"));
        this.settings.put("appendfsync", Setting.fixed(fsync));
        this.settings.put("appendfilename", Setting.fixed(String.valueOf(dataFile.getFileName())));
        this.settings.put("bind", Setting.fixed(properties.server().host()));
        this.settings.put("databases", Setting.fixed("1"));
        this.settings.put("dir", Setting.fixed(String.valueOf(dataFile.getParent())));
        this.settings.put("maxclients", new Setting(() -> String.valueOf(connections.maxConnections()),
                value -> integer(value, 1, 4294967295L),
                value -> connections.setMaxConnections((int) Math.min(Integer.MAX_VALUE, (Long) value))));
        this.settings.put("maxmemory", Setting.fixed("0"));
        this.settings.put("maxmemory-policy", Setting.fixed("noeviction"));
        this.settings.put("notify-keyspace-events", new Setting(notifications::flags, ConfigCommands::eventClasses,
                value -> notifications.set((Integer) value)));
        this.settings.put("port", Setting.fixed(() -> String.valueOf(connections.getPort())));
        this.settings.put("proto-max-bulk-len", new Setting(() -> String.valueOf(connections.maxBulkLength()),
                value -> bulkLength(memory(value, MIN_BULK_LEN, Long.MAX_VALUE)),
                value -> connections.setMaxBulkLength((int) (long) (Long) value)));
        this.settings.put("save", Setting.fixed(""));
        this.settings.put("timeout", new Setting(() -> String.valueOf(connections.idleTimeout().toSeconds()),
                value -> integer(value, 0, Integer.MAX_VALUE),
                value -> connections.setIdleTimeout(Duration.ofSeconds((Long) value))));
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof RespCommand.Config;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        RespCommand.Config config = (RespCommand.Config) command;
        return CompletableFuture.completedFuture(switch (config.subcommand()) {
            case "get" -> get(config.arguments());
            case "set" -> set(config.arguments());
            case "resetstat" -> {
                this.server.resetStats();
                yield CommandExecutor.OK;
            }
            case "rewrite" -> throw new CommandException("ERR", "CONFIG REWRITE is not supported: this server has "
                    + "no config file of Redis's kind; it reads its settings (keystonelight.*) at start from its "
                    + "arguments, environment and application.yml, and a CONFIG SET lasts until it stops");
            case "help" -> {
                List<Object> lines = new ArrayList<>(HELP.size());
                for (String line : HELP) {
                    lines.add(new StatusReply(line));
                }
                yield lines;
            }
            default -> throw new IllegalArgumentException("not a CONFIG subcommand: " + config.subcommand());
        });
    }

    private Object get(List<byte[]> patterns) {
        Map<String, String> found = new LinkedHashMap<>();
        for (byte[] pattern : patterns) {
            byte[] lower = RespCommandParser.lowerAscii(pattern).getBytes(StandardCharsets.ISO_8859_1);
            this.settings.forEach((name, setting) -> {
                if (!found.containsKey(name) && Glob.matches(lower, name.getBytes(StandardCharsets.US_ASCII))) {
                    found.put(name, setting.value().get());
                }
            });
        }
        List<Object> reply = new ArrayList<>(found.size() * 2);
        found.forEach((name, value) -> {
            reply.add(name);
            reply.add(value);
        });
        return reply;
    }

    /**
     * All or nothing, in Redis 7.0's order of checks: the first unknown, immutable or repeated
     * name refuses the whole request; then every value is read, the first that cannot be refusing
     * it; only then is anything applied.
     */
    private Object set(List<byte[]> arguments) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i += 2) {
            String given = RespCommandParser.text(arguments.get(i));
            String name = given.toLowerCase(Locale.ROOT);
            Setting setting = this.settings.get(name);
            if (setting == null) {
                throw new CommandException("ERR", "Unknown option or number of arguments for CONFIG SET - '"
                        + clean(given) + "'");
            }
            if (!setting.mutable()) {
                throw failed(given, "can't set immutable config");
            }
            if (names.contains(name)) {
                throw failed(given, "duplicate parameter");
            }
            names.add(name);
        }
        List<Object> values = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            try {
                values.add(this.settings.get(names.get(i)).parse().apply(
                        RespCommandParser.text(arguments.get(2 * i + 1))));
            }
            catch (Failure ex) {
                throw failed(names.get(i), ex.getMessage());
            }
        }
        for (int i = 0; i < names.size(); i++) {
            this.settings.get(names.get(i)).apply().accept(values.get(i));
        }
        return CommandExecutor.OK;
    }

    private static CommandException failed(String name, String reason) {
        return new CommandException("ERR", "CONFIG SET failed (possibly related to argument '" + clean(name) + "') - "
                + reason);
    }

    /** As Redis: an error line may not hold CR or LF. */
    private static String clean(String text) {
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    /** Redis's string2ll: an optional minus, no plus, no leading zeros, no spaces. */
    private static Long integer(String value, long min, long max) {
        long parsed;
        try {
            if (!INTEGER.matcher(value).matches()) {
                throw new NumberFormatException(value);
            }
            parsed = Long.parseLong(value);
        }
        catch (NumberFormatException ex) {
            throw new Failure("argument couldn't be parsed into an integer");
        }
        return inRange(parsed, min, max);
    }

    /** Redis's memtoull: digits and an optional unit, k and kb meaning 1000 and 1024. */
    private static Long memory(String value, long min, long max) {
        Matcher matcher = MEMORY.matcher(value);
        long parsed;
        try {
            if (!matcher.matches()) {
                throw new NumberFormatException(value);
            }
            String unit = matcher.group(2) == null ? "b" : matcher.group(2).toLowerCase(Locale.ROOT);
            long multiplier = switch (unit) {
                case "k" -> 1000L;
                case "kb" -> 1024L;
                case "m" -> 1000L * 1000;
                case "mb" -> 1024L * 1024;
                case "g" -> 1000L * 1000 * 1000;
                case "gb" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            parsed = Math.multiplyExact(Long.parseLong(matcher.group(1)), multiplier);
        }
        catch (NumberFormatException | ArithmeticException ex) {
            throw new Failure("argument must be a memory value");
        }
        return inRange(parsed, min, max);
    }

    private static Long inRange(long value, long min, long max) {
        if (value < min || value > max) {
            throw new Failure("argument must be between " + min + " and " + max + " inclusive");
        }
        return value;
    }

    /** Redis takes any length from 1 MB up; here a bulk string is read into one array. */
    private static Long bulkLength(long value) {
        if (value > MAX_BULK_LEN) {
            throw new Failure("argument must be at most " + MAX_BULK_LEN + " here: a bulk string is held in one "
                    + "Java array");
        }
        return value;
    }

    private static Integer eventClasses(String value) {
        Integer flags = KeyspaceNotifications.parse(value);
        if (flags == null) {
            throw new Failure("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        }
        return flags;
    }
}
