package io.keystonelight.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.protocol.CommandExecutor;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.IntegrationFlowBuilder;
import org.springframework.integration.ip.dsl.Tcp;
import org.springframework.integration.ip.tcp.connection.TcpNetServerConnectionFactory;
import org.springframework.messaging.MessagingException;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The TCP endpoint: a connection factory that frames request lines, an inbound gateway that
 * answers each with one reply line, and the flow between them. At most
 * {@code max-connections} are served at once; see {@link ConnectionLimit}.
 *
 * <p>Each open connection has a thread of its own that reads, frames and parses its requests
 * and writes the replies, one request at a time, so pipelined replies keep their order and a
 * client that stops reading holds back only itself. The commands themselves run on the
 * {@code workers} pool. No client waits for another to disconnect.
 */
@Configuration(proxyBeanMethods = false)
public class TcpServerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TcpServerConfiguration.class);

    @Bean
    ConnectionLimit connectionLimit(KeystoneLightProperties properties) {
        return new ConnectionLimit(properties.server().maxConnections());
    }

    @Bean
    TcpNetServerConnectionFactory requestConnectionFactory(KeystoneLightProperties properties,
            ConnectionLimit connectionLimit, ListeningSocket listeningSocket, OpenConnections openConnections) {
        KeystoneLightProperties.Server server = properties.server();
        RemoteAccessCheck.check(server);
        PasswordCheck passwordCheck = new PasswordCheck(server.password());
        if (passwordCheck.required()) {
            log.info("Clients must authenticate: keystonelight.server.password is set");
        }
        SimpleAsyncTaskExecutor connectionThreads = new SimpleAsyncTaskExecutor("connection-");
        return Tcp.netServer(server.port())
                .localAddress(server.host())
                .socketFactorySupport(LimitedServerSocket.factorySupport(connectionLimit))
                .socketSupport(listeningSocket)
                .connectionSupport(new RequestConnectionSupport(connectionLimit, openConnections))
                .deserializer(new RequestDeserializer((int) server.maxLineLength().toBytes(), passwordCheck))
                .serializer(new ReplySerializer())
                .mapper(new RequestMessageMapper())
                .taskExecutor(connectionThreads)
                .lookupHost(false)
                .soTcpNoDelay(true)
                // A read that waits longer fails, and the connection is closed.
                .soTimeout((int) Math.min(Integer.MAX_VALUE, server.idleTimeout().toMillis()))
                .backlog(1024)
                .getObject();
    }

    @Bean
    ThreadPoolTaskExecutor commandWorkers(KeystoneLightProperties properties) {
        ThreadPoolTaskExecutor workers = new ThreadPoolTaskExecutor();
        // With no workers configured the pool is never used, and so starts no thread.
        int size = Math.max(1, properties.server().workers());
        workers.setCorePoolSize(size);
        workers.setMaxPoolSize(size);
        workers.setThreadNamePrefix("worker-");
        // A command that is running when the server shuts down (a compaction, say) finishes and
        // is answered; by default the pool would refuse work as soon as shutdown begins and
        // interrupt what runs, which closes the data file's channel under it.
        workers.setWaitForTasksToCompleteOnShutdown(true);
        workers.setAwaitTerminationSeconds(60);
        return workers;
    }

    @Bean
    IntegrationFlow requestFlow(TcpNetServerConnectionFactory requestConnectionFactory,
            ThreadPoolTaskExecutor commandWorkers, CommandExecutor executor, KeystoneLightProperties properties) {
        IntegrationFlowBuilder flow = IntegrationFlow
                .from(Tcp.inboundGateway(requestConnectionFactory)
                        .replyTimeout(-1)
                        .errorChannel("requestErrors"));
        if (properties.server().workers() > 0) {
            flow = flow.channel(channels -> channels.executor("requests", commandWorkers));
        }
        return flow.handle(RequestBatch.class, (batch, headers) -> executor.execute(batch.commands())).get();
    }

    /** A failure no handler expected still gets a reply, so the client never waits forever. */
    @Bean
    IntegrationFlow requestErrorFlow() {
        return IntegrationFlow.from("requestErrors")
                .handle(MessagingException.class, (failure, headers) -> {
                    log.error("Request failed unexpectedly: {}", failure.getFailedMessage(), failure);
                    return CommandExecutor.internalErrorReply(failure.getMostSpecificCause());
                })
                .get();
    }
}
