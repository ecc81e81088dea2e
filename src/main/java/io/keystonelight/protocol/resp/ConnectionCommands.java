package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;
import java.util.function.Predicate;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandException;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.security.PasswordCheck;
import io.keystonelight.transport.EventLoopServerConnectionFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** RESP's connection commands beyond PING, AUTH and QUIT: ECHO, SELECT, HELLO, CLIENT (its introspection too). */
@Component
class ConnectionCommands implements CommandFamily {

    private final PasswordCheck passwordCheck;

    private final EventLoopServerConnectionFactory connections;

    private final ObjectProvider<CommandExecutor> executor;

    ConnectionCommands(PasswordCheck passwordCheck, EventLoopServerConnectionFactory connections,
            ObjectProvider<CommandExecutor> executor) {
        this.passwordCheck = passwordCheck;
        this.connections = connections;
        this.executor = executor;
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof RespCommand.Echo || command instanceof RespCommand.Select
                || command instanceof RespCommand.Hello || command instanceof RespCommand.Client
                || command instanceof RespCommand.Refused;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        if (command instanceof RespCommand.Echo echo) {
            return CompletableFuture.completedFuture(echo.message());
        }
        if (command instanceof RespCommand.Select) {
            return CompletableFuture.completedFuture(CommandExecutor.OK);
        }
        if (command instanceof RespCommand.Refused refused) {
            return CompletableFuture.failedFuture(new CommandException(refused.code(), refused.message()));
        }
        if (command instanceof RespCommand.Hello hello) {
            return CompletableFuture.completedFuture(hello(session, hello));
        }
        if (command instanceof RespCommand.Client client) {
            return switch (client.subcommand()) {
                case "list" -> list(client.arguments());
                case "kill" -> kill(session, client.arguments());
                case "pause" -> {
                    List<byte[]> arguments = client.arguments();
                    this.executor.getObject().pause().pause(RespCommandParser.parseLong(arguments.get(0)),
                            arguments.size() == 1 || RespCommandParser.lowerAscii(arguments.get(1)).equals("all"));
                    yield CompletableFuture.completedFuture(CommandExecutor.OK);
                }
                case "unpause" -> {
                    this.executor.getObject().pause().unpause();
                    yield CompletableFuture.completedFuture(CommandExecutor.OK);
                }
                default -> CompletableFuture.completedFuture(client(session, client));
            };
        }
        throw new IllegalArgumentException("not a connection command: " + command);
    }

    private Object hello(Session session, RespCommand.Hello hello) {
        if (hello.password() != null) {
            if (this.passwordCheck.required()) {
                if (!"default".equals(hello.user()) || !this.passwordCheck.matches(hello.password())) {
                    throw new CommandException("WRONGPASS", "invalid username-password pair or user is disabled.");
                }
            }
            else if (!"default".equals(hello.user())) {
                throw new CommandException("WRONGPASS", "invalid username-password pair or user is disabled.");
            }
            session.authenticated();
        }
        else if (this.passwordCheck.required() && !session.isAuthenticated()) {
            throw new CommandException("NOAUTH", "HELLO must be called with the client already authenticated, "
                    + "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
                    + "and select the RESP protocol version at the same time");
        }
        if (hello.clientName() != null) {
            setName(session, hello.clientName());
        }
        if (hello.protocolVersion() != 0) {
            session.protocol((int) hello.protocolVersion());
        }
        return List.of("server", "redis", "version", ServerCommands.REDIS_VERSION, "proto", (long) session.protocol(),
                "id", session.id(),
                "mode", "standalone", "role", "master", "modules", List.of());
    }

    private static Object client(Session session, RespCommand.Client client) {
        return switch (client.subcommand()) {
            case "setname" -> {
                setName(session, client.arguments().get(0));
                yield CommandExecutor.OK;
            }
            case "getname" -> session.clientName() == null ? CommandExecutor.NONE
                    : session.clientName().getBytes(StandardCharsets.US_ASCII);
            case "id" -> session.id();
            // Client libraries announce themselves; nothing here uses it.
            case "setinfo" -> CommandExecutor.OK;
            case "info" -> session.describe().getBytes(StandardCharsets.UTF_8);
            // Nothing is evicted here (maxmemory-policy noeviction); the flag shows in CLIENT LIST.
            case "no-evict" -> {
                session.noEvict(RespCommandParser.lowerAscii(client.arguments().get(0)).equals("on"));
                yield CommandExecutor.OK;
            }
            // ON is answered OK; OFF and SKIP are never answered (the connection drops their replies).
            case "reply" -> CommandExecutor.OK;
            default -> throw new IllegalArgumentException("not a CLIENT subcommand: " + client.subcommand());
        };
    }

    /**
     * Each session is described on its own event loop, where its state lives, so no loop waits for
     * another: the reply completes once every loop answered.
     */
    private CompletableFuture<Object> list(List<byte[]> arguments) {
        Predicate<Session> chosen = session -> true;
        if (!arguments.isEmpty() && RespCommandParser.lowerAscii(arguments.get(0)).equals("type")) {
            chosen = ofType(RespCommandParser.lowerAscii(arguments.get(1)));
        }
        else if (!arguments.isEmpty()) {
            Set<Long> ids = new HashSet<>();
            for (byte[] id : arguments.subList(1, arguments.size())) {
                ids.add(RespCommandParser.parseLong(id));
            }
            chosen = session -> ids.contains(session.id());
        }
        Predicate<Session> filter = chosen;
        return onEachLoop(session -> filter.test(session) ? session.describe() : null).thenApply(lines -> {
            StringBuilder list = new StringBuilder();
            lines.forEach((id, line) -> list.append(line));
            return list.toString().getBytes(StandardCharsets.UTF_8);
        });
    }

    private static Predicate<Session> ofType(String type) {
        return switch (type) {
            case "normal" -> session -> !session.isSubscriber();
            case "pubsub" -> Session::isSubscriber;
            // No replication over RESP: no connection is a master's or a replica's.
            default -> session -> false;
        };
    }

    /**
     * The old form ({@code CLIENT KILL ip:port}) answers OK or "No such client"; the filters answer
     * how many were closed. The caller's own connection, if chosen, closes once it is answered.
     */
    private CompletableFuture<Object> kill(Session caller, List<byte[]> arguments) {
        Predicate<Session> chosen;
        boolean oldForm = arguments.size() == 1;
        if (oldForm) {
            String address = RespCommandParser.text(arguments.get(0));
            chosen = session -> session.remoteAddress().equals(address);
        }
        else {
            chosen = session -> session != caller;
            for (int i = 0; i < arguments.size(); i += 2) {
                String filter = RespCommandParser.lowerAscii(arguments.get(i));
                byte[] value = arguments.get(i + 1);
                String text = RespCommandParser.text(value);
                Predicate<Session> test = switch (filter) {
                    case "id" -> {
                        long id = RespCommandParser.parseLong(value);
                        yield session -> session.id() == id;
                    }
                    case "type" -> ofType(RespCommandParser.lowerAscii(value));
                    case "addr" -> session -> session.remoteAddress().equals(text);
                    case "laddr" -> session -> session.link().localAddress().equals(text);
                    case "skipme" -> null;
                    // Every connection is the default user's.
                    default -> session -> true;
                };
                if (filter.equals("skipme") && RespCommandParser.lowerAscii(value).equals("no")) {
                    chosen = session -> true;
                }
                if (test != null) {
                    chosen = chosen.and(test);
                }
            }
        }
        // SKIPME may come after the other filters, so the caller is left out at the end, not the start.
        Predicate<Session> filter = chosen;
        return onEachLoop(session -> {
            if (!filter.test(session)) {
                return null;
            }
            if (session == caller) {
                session.link().closeAfterReplies();
            }
            else {
                session.link().close();
            }
            return "";
        }).thenApply(killed -> {
            if (!oldForm) {
                return (Object) (long) killed.size();
            }
            if (killed.isEmpty()) {
                throw new CommandException("ERR", "No such client");
            }
            return CommandExecutor.OK;
        });
    }

    /** {@code action} run for every open session on that session's loop; the non-null results by session id. */
    private CompletableFuture<SortedMap<Long, String>> onEachLoop(Function<Session, String> action) {
        List<Session> sessions = this.connections.sessions();
        List<CompletableFuture<Void>> all = new ArrayList<>(sessions.size());
        SortedMap<Long, String> results = new ConcurrentSkipListMap<>();
        for (Session session : sessions) {
            all.add(CompletableFuture.runAsync(() -> {
                String result = action.apply(session);
                if (result != null) {
                    results.put(session.id(), result);
                }
            }, session.eventLoop()));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> results);
    }

    private static void setName(Session session, byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                throw new CommandException("ERR", "Client names cannot contain spaces, newlines or special "
                        + "characters.");
            }
        }
        session.clientName(name.length == 0 ? null : new String(name, StandardCharsets.US_ASCII));
    }
}
