package io.keystonelight.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.keystonelight.command.Command;
import io.keystonelight.command.CommandFamily;
import io.keystonelight.command.Session;
import io.keystonelight.command.Subscriber;

import org.springframework.stereotype.Component;

/** SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB, answered as Redis 7.0 in RESP2. */
@Component
class PubSubCommands implements CommandFamily {

    private final PubSub pubSub;

    PubSubCommands(PubSub pubSub) {
        this.pubSub = pubSub;
    }

    @Override
    public boolean handles(Command command) {
        return command instanceof RespCommand.Subscribe || command instanceof RespCommand.Unsubscribe
                || command instanceof RespCommand.Publish || command instanceof RespCommand.PubSubInfo;
    }

    @Override
    public CompletableFuture<Object> execute(Session session, Command command) {
        Subscriber subscriber = session.subscriber();
        if (command instanceof RespCommand.Subscribe subscribe) {
            byte[] kind = ascii(subscribe.pattern() ? "psubscribe" : "subscribe");
            List<Object> replies = new ArrayList<>(subscribe.names().size());
            for (byte[] name : subscribe.names()) {
                this.pubSub.subscribe(subscriber, PubSub.name(name), subscribe.pattern());
                replies.add(List.of(kind, name, (long) subscriber.count()));
            }
            return CompletableFuture.completedFuture(new RespProtocol.Several(replies));
        }
        if (command instanceof RespCommand.Unsubscribe unsubscribe) {
            byte[] kind = ascii(unsubscribe.pattern() ? "punsubscribe" : "unsubscribe");
            List<byte[]> names = unsubscribe.names();
            if (names.isEmpty()) {
                names = new ArrayList<>();
                for (String name : subscriber.all(unsubscribe.pattern())) {
                    names.add(PubSub.bytes(name));
                }
                if (names.isEmpty()) {
                    // Nothing to leave: Redis still answers once, with a null name.
                    return CompletableFuture.completedFuture(List.of(kind, io.keystonelight.command.CommandExecutor.NONE,
                            (long) subscriber.count()));
                }
            }
            List<Object> replies = new ArrayList<>(names.size());
            for (byte[] name : names) {
                this.pubSub.unsubscribe(subscriber, PubSub.name(name), unsubscribe.pattern());
                replies.add(List.of(kind, name, (long) subscriber.count()));
            }
            return CompletableFuture.completedFuture(new RespProtocol.Several(replies));
        }
        if (command instanceof RespCommand.Publish publish) {
            return CompletableFuture.completedFuture(this.pubSub.publish(publish.channel(), publish.message()));
        }
        RespCommand.PubSubInfo info = (RespCommand.PubSubInfo) command;
        return CompletableFuture.completedFuture(switch (info.subcommand()) {
            case "channels" -> this.pubSub.activeChannels(info.arguments().isEmpty() ? null : info.arguments().get(0));
            case "numsub" -> {
                List<Object> counts = new ArrayList<>(2 * info.arguments().size());
                for (byte[] channel : info.arguments()) {
                    counts.add(channel);
                    counts.add(this.pubSub.subscribers(channel));
                }
                yield counts;
            }
            default -> this.pubSub.patternCount();
        });
    }

    /** (Un)subscribe confirmations as RESP3 has them: each a push, as the messages are. */
    static Object pushes(Object result) {
        if (result instanceof RespProtocol.Several several) {
            return new RespProtocol.Several(several.replies().stream().map(io.keystonelight.command.Resp3::push).toList());
        }
        return io.keystonelight.command.Resp3.push(result);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
