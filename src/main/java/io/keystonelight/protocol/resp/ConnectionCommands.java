package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandException;
import io.keystonelight.command.CommandExecutor;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.security.PasswordCheck;

import org.springframework.stereotype.Component;

/** RESP's connection commands beyond PING, AUTH and QUIT: ECHO, SELECT, HELLO, CLIENT. */
@Component
class ConnectionCommands implements CommandFamily {

    private final PasswordCheck passwordCheck;

    ConnectionCommands(PasswordCheck passwordCheck) {
        this.passwordCheck = passwordCheck;
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
            return CompletableFuture.completedFuture(client(session, client));
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
        return List.of("server", "redis", "version", ServerCommands.REDIS_VERSION, "proto", 2L, "id", session.id(),
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
            default -> throw new IllegalArgumentException("not a CLIENT subcommand: " + client.subcommand());
        };
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
