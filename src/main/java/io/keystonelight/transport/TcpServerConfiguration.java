package io.keystonelight.transport;

import java.util.List;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.command.CommandExecutor;
import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.security.PasswordCheck;
import io.keystonelight.security.RemoteAccessCheck;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.handler.AbstractReplyProducingMessageHandler;
import org.springframework.integration.ip.dsl.Tcp;
import org.springframework.integration.support.management.IntegrationManagement;
import org.springframework.messaging.Message;

/**
 * The TCP endpoint, wired as Spring Integration's collaborating channel adapters: the event
 * loops' connection factory feeds the inbound adapter, a direct channel carries each batch of
 * requests to the command executor on the same event loop thread, and the outbound adapter hands
 * the replies back to their connection, which sends them in order as they complete.
 */
@Configuration(proxyBeanMethods = false)
public class TcpServerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TcpServerConfiguration.class);

    @Bean
    EventLoopServerConnectionFactory requestConnectionFactory(KeystoneLightProperties properties,
            List<WireProtocol> protocols) {
        KeystoneLightProperties.Server server = properties.server();
        RemoteAccessCheck.check(server);
        if (new PasswordCheck(server.password()).required()) {
            log.info("Clients must authenticate: keystonelight.server.password is set");
        }
        EventLoopServerConnectionFactory factory = new EventLoopServerConnectionFactory(server.host(), server.port(),
                server.eventLoops(), server.maxConnections(), new RequestLimits(
                        (int) Math.min(Integer.MAX_VALUE, server.maxLineLength().toBytes()),
                        (int) server.protoMaxBulkLen().toBytes()), server.idleTimeout(), protocols);
        // Only binds the port; the event loops do the rest.
        factory.setTaskExecutor(new SimpleAsyncTaskExecutor("bind-"));
        factory.setBacklog(1024);
        return factory;
    }

    /** Compactions asked for by a request run here, never on an event loop. */
    @Bean
    Executor slowCommands() {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("slow-command-");
        executor.setConcurrencyLimit(2);
        return executor;
    }

    /**
     * Spring Integration times every message its channels and handlers pass when a meter registry
     * is present: a timer sample per request. The server counts what matters itself, at no cost
     * per request, so its request path goes without those timers. Nor does it log each message:
     * with logging on, a handler makes the debug line's supplier at every message, debug or not.
     */
    @Bean
    static SmartLifecycle requestPathWithoutPerMessageTimers(ListableBeanFactory beans) {
        return new PerMessageTimersOff(beans);
    }

    /**
     * Takes the timers off in the first phase of the start, before the connection factory
     * listens, never while requests flow: a channel that began a send with its timer and found it
     * gone when it stopped it failed the request, and the connection was closed (clients saw a
     * reset now and then right after a start). Spring Integration gives the components their
     * timers once every bean is made, which is before any phase starts.
     */
    static final class PerMessageTimersOff implements SmartLifecycle {

        private final ListableBeanFactory beans;

        private volatile boolean running;

        PerMessageTimersOff(ListableBeanFactory beans) {
            this.beans = beans;
        }

        @Override
        public void start() {
            this.beans.getBeansOfType(IntegrationManagement.class).values().forEach(component -> {
                component.registerMetricsCaptor(null);
                component.setLoggingEnabled(false);
            });
            this.running = true;
        }

        @Override
        public void stop() {
            this.running = false;
        }

        @Override
        public boolean isRunning() {
            return this.running;
        }

        @Override
        public int getPhase() {
            return Integer.MIN_VALUE;
        }
    }

    /**
     * Runs a read's requests and passes the same message on to the outbound endpoint, its
     * replies filled in: no reply message is built, and no header is copied.
     */
    static final class ReadExecutor extends AbstractReplyProducingMessageHandler {

        private final CommandExecutor executor;

        ReadExecutor(CommandExecutor executor) {
            this.executor = executor;
        }

        @Override
        protected Object handleRequestMessage(Message<?> requestMessage) {
            ConnectionRead read = (ConnectionRead) requestMessage.getPayload();
            this.executor.execute(read.requests(), read.replies());
            return requestMessage;
        }

        @Override
        protected boolean shouldCopyRequestHeaders() {
            return false;
        }
    }

    @Bean
    IntegrationFlow requestFlow(EventLoopServerConnectionFactory requestConnectionFactory, CommandExecutor executor) {
        return IntegrationFlow.from(Tcp.inboundAdapter(requestConnectionFactory))
                .handle(new ReadExecutor(executor))
                .handle(Tcp.outboundAdapter(requestConnectionFactory))
                .get();
    }
}
