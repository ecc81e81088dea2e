package io.keystonelight.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.support.FreePorts;
import io.keystonelight.support.ServerProcess;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.redis.inbound.RedisQueueMessageDrivenEndpoint;
import org.springframework.integration.redis.outbound.RedisQueueOutboundChannelAdapter;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;

/**
 * Spring Integration's Redis queue adapters, as an application wires them: a producer LPUSHes,
 * a consumer loops on BRPOP. 10,000 messages go from one to the other while the packaged server
 * stops (SIGTERM) and starts again on the same data file and port; the consumer keeps running
 * through the restart. Every message must arrive exactly once.
 */
class SpringIntegrationRedisQueueIT {

    private static final int MESSAGES = 10_000;

    private static final String QUEUE = "si.queue";

    @TempDir
    Path folder;

    @Test
    void tenThousandMessagesCrossARestartNoneLostNoneDuplicated() throws IOException {
        int port = freePort();
        String portSetting = "--keystonelight.server.port=" + port;
        ServerProcess server = ServerProcess.start(this.folder, portSetting);
        try (AnnotationConfigApplicationContext application = application(port)) {
            RedisQueueOutboundChannelAdapter producer = application.getBean(RedisQueueOutboundChannelAdapter.class);
            QueueChannel received = application.getBean("received", QueueChannel.class);
            for (int i = 0; i < MESSAGES / 2; i++) {
                producer.handleMessage(MessageBuilder.withPayload("m" + i).build());
            }
            server.signal("TERM");
            assertThat(server.awaitExit(Duration.ofSeconds(60))).as("exit status of a stop by SIGTERM").isIn(0, 143);
            server = ServerProcess.start(this.folder, portSetting);
            for (int i = MESSAGES / 2; i < MESSAGES; i++) {
                producer.handleMessage(MessageBuilder.withPayload("m" + i).build());
            }

            Set<String> payloads = new HashSet<>();
            for (int i = 0; i < MESSAGES; i++) {
                Message<?> message = received.receive(30_000);
                assertThat(message).as("message %d of %d within 30 s; %d distinct so far", i + 1, MESSAGES,
                        payloads.size()).isNotNull();
                assertThat(payloads.add((String) message.getPayload())).as("%s arrived twice", message.getPayload())
                        .isTrue();
            }
            application.getBean(RedisQueueMessageDrivenEndpoint.class).stop();
            assertThat(received.getQueueSize()).as("messages beyond the 10,000 sent").isZero();
            assertThat(new StringRedisTemplate(application.getBean(LettuceConnectionFactory.class)).opsForList()
                    .size(QUEUE)).as("messages left in the queue").isZero();
        }
        finally {
            server.close();
        }
    }

    /** The adapters as beans of an integration context, the way an application declares them. */
    private static AnnotationConfigApplicationContext application(int port) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.register(Integration.class);
        context.registerBean(LettuceConnectionFactory.class,
                () -> new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port)));
        context.registerBean("received", QueueChannel.class, () -> new QueueChannel());
        context.registerBean(RedisQueueOutboundChannelAdapter.class, () -> {
            RedisQueueOutboundChannelAdapter producer = new RedisQueueOutboundChannelAdapter(QUEUE,
                    context.getBean(LettuceConnectionFactory.class));
            producer.setSerializer(new StringRedisSerializer());
            return producer;
        });
        context.registerBean(RedisQueueMessageDrivenEndpoint.class, () -> {
            RedisQueueMessageDrivenEndpoint consumer = new RedisQueueMessageDrivenEndpoint(QUEUE,
                    context.getBean(LettuceConnectionFactory.class));
            consumer.setSerializer(new StringRedisSerializer());
            consumer.setOutputChannelName("received");
            consumer.setTaskExecutor(new SimpleAsyncTaskExecutor("queue-consumer-"));
            // While the server restarts the consumer's BRPOP fails; it tries again this often.
            consumer.setRecoveryInterval(100);
            return consumer;
        });
        context.refresh();
        return context;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class Integration {
    }

    /**
     * The same port for both runs of the server, so that the clients reconnect to where they were:
     * from below the ephemeral range, where no outgoing connection takes it between the runs.
     */
    private static int freePort() {
        return FreePorts.belowEphemeralRange();
    }
}
