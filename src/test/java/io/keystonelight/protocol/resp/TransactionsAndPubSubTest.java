package io.keystonelight.protocol.resp;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.keystonelight.support.RespConnection;
import io.keystonelight.support.ServerInThisJvm;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Transactions and pub/sub through real clients and real sockets: Spring Data Redis's
 * {@code SessionCallback} and {@code RedisMessageListenerContainer} over Lettuce, what a
 * transaction leaves in the data file, its isolation from other clients' writes, and the output
 * limit of a subscriber that does not read.
 */
class TransactionsAndPubSubTest extends ServerInThisJvm {

    @Test
    void aTransactionsWritesAreOneRecordGroupInTheDataFile() throws Exception {
        try (RespConnection client = RespConnection.connect(this.port)) {
            assertThat(client.call("SET", "before", "1")).isEqualTo("+OK\r\n");
            List<String> linesBefore = Files.readAllLines(folder.resolve("db.txt"));
            long groupsBefore = this.store.commitCounts()[0];
            client.call("MULTI");
            client.call("SET", "tx:a", "1");
            client.call("HSET", "tx:h", "f", "v");
            client.call("INCR", "tx:n");
            client.call("GET", "tx:a");
            client.call("DEL", "before");
            assertThat(client.call("EXEC")).isEqualTo("*5\r\n+OK\r\n:1\r\n:1\r\n$1\r\n1\r\n:1\r\n");
            List<String> lines = Files.readAllLines(folder.resolve("db.txt"));
            assertThat(lines).as("one record more than before EXEC").hasSize(linesBefore.size() + 1);
            assertThat(lines.get(lines.size() - 1)).as("the transaction's record").startsWith("|tx|")
                    .contains("tx:a", "tx:h", "tx:n", "before");
            assertThat(this.store.commitCounts()[0] - groupsBefore).as("groups committed (fsyncs) for EXEC")
                    .isEqualTo(1);
        }
    }

    @Test
    void noOtherClientsWriteComesBetweenATransactionsCommands() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService others = Executors.newFixedThreadPool(3);
        try (RespConnection client = RespConnection.connect(this.port)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                writers.add(others.submit(() -> {
                    try (RespConnection other = RespConnection.connect(this.port)) {
                        while (running.get()) {
                            other.call("INCR", "iso:counter");
                        }
                    }
                }));
            }
            for (int round = 0; round < 300; round++) {
                client.call("MULTI");
                client.call("INCR", "iso:counter");
                client.call("INCR", "iso:counter");
                client.call("GET", "iso:counter");
                String reply = client.call("EXEC");
                String[] parts = reply.split("\r\n");
                long first = Long.parseLong(parts[1].substring(1));
                assertThat(reply).as("EXEC's replies, round %d", round).isEqualTo("*3\r\n:" + first + "\r\n:"
                        + (first + 1) + "\r\n$" + String.valueOf(first + 1).length() + "\r\n" + (first + 1) + "\r\n");
            }
            running.set(false);
            for (Future<?> writer : writers) {
                writer.get(30, TimeUnit.SECONDS);
            }
        }
        finally {
            running.set(false);
            others.shutdownNow();
        }
    }

    @Test
    void springDataRedisSessionCallbackRunsMultiExecAndWatch() {
        System.setProperty("test.resp.port", String.valueOf(this.port));
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(
                RespClientsTest.RedisClientConfiguration.class)) {
            StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
            template.opsForValue().set("sdr:balance", "10");
            List<Object> results = template.execute(new SessionCallback<List<Object>>() {

                @Override
                @SuppressWarnings("unchecked")
                public List<Object> execute(RedisOperations operations) throws DataAccessException {
                    operations.watch("sdr:balance");
                    operations.multi();
                    operations.opsForValue().increment("sdr:balance", -3);
                    operations.opsForValue().set("sdr:last", "withdrew 3");
                    operations.opsForValue().get("sdr:last");
                    return operations.exec();
                }
            });
            assertThat(results).containsExactly(7L, true, "withdrew 3");

            List<Object> aborted = template.execute(new SessionCallback<List<Object>>() {

                @Override
                @SuppressWarnings("unchecked")
                public List<Object> execute(RedisOperations operations) throws DataAccessException {
                    operations.watch("sdr:balance");
                    // Another client's write between WATCH and EXEC.
                    try (RespConnection other = RespConnection.connect(TransactionsAndPubSubTest.this.port)) {
                        other.call("SET", "sdr:balance", "100");
                    }
                    operations.multi();
                    operations.opsForValue().increment("sdr:balance", -3);
                    return operations.exec();
                }
            });
            assertThat(aborted).as("EXEC after a watched key changed").isEmpty();
            assertThat(template.opsForValue().get("sdr:balance")).isEqualTo("100");
        }
    }

    @Test
    void springMessageListenerContainerReceivesPublishedMessages() throws Exception {
        System.setProperty("test.resp.port", String.valueOf(this.port));
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(
                RespClientsTest.RedisClientConfiguration.class)) {
            StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
            BlockingQueue<String> received = new ArrayBlockingQueue<>(16);
            RedisMessageListenerContainer container = new RedisMessageListenerContainer();
            container.setConnectionFactory(context.getBean(LettuceConnectionFactory.class));
            container.addMessageListener((message, pattern) -> received.add(new String(message.getChannel(),
                    StandardCharsets.UTF_8) + "=" + new String(message.getBody(), StandardCharsets.UTF_8)),
                    List.of(new ChannelTopic("orders"), new PatternTopic("alerts.*")));
            container.afterPropertiesSet();
            container.start();
            try {
                try (RespConnection probe = RespConnection.connect(this.port)) {
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> probe.call("PUBSUB", "NUMSUB",
                            "orders").endsWith(":1\r\n") && probe.call("PUBSUB", "NUMPAT").equals(":1\r\n"));
                }
                template.convertAndSend("orders", "order 42");
                template.convertAndSend("alerts.disk", "disk full");
                template.convertAndSend("elsewhere", "not for us");
                List<String> messages = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    messages.add(received.poll(30, TimeUnit.SECONDS));
                }
                // The container hands messages to its listener on several threads: their order is not kept.
                assertThat(messages).containsExactlyInAnyOrder("orders=order 42", "alerts.disk=disk full");
            }
            finally {
                container.stop();
                container.destroy();
            }
            assertThat(received).as("messages to a channel nobody listens to").isEmpty();
        }
    }

    @Test
    void springMessageListenerContainerReceivesExpiredEvents() throws Exception {
        System.setProperty("test.resp.port", String.valueOf(this.port));
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(
                RespClientsTest.RedisClientConfiguration.class); RespConnection client = RespConnection.connect(
                        this.port)) {
            assertThat(client.call("CONFIG", "SET", "notify-keyspace-events", "Ex")).isEqualTo("+OK\r\n");
            BlockingQueue<String> expired = new ArrayBlockingQueue<>(16);
            RedisMessageListenerContainer container = new RedisMessageListenerContainer();
            container.setConnectionFactory(context.getBean(LettuceConnectionFactory.class));
            container.addMessageListener((message, pattern) -> expired.add(new String(message.getBody(),
                    StandardCharsets.UTF_8)), new PatternTopic("__keyevent@0__:expired"));
            container.afterPropertiesSet();
            container.start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.call("PUBSUB", "NUMPAT")
                        .equals(":1\r\n"));
                StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
                template.opsForValue().set("session:42", "data", Duration.ofMillis(50));
                template.opsForValue().set("session:43", "data");
                // Nobody reads it again: the server's own expiry finds it and says so.
                assertThat(expired.poll(30, TimeUnit.SECONDS)).isEqualTo("session:42");
            }
            finally {
                container.stop();
                container.destroy();
                client.call("CONFIG", "SET", "notify-keyspace-events", "");
            }
        }
    }

    @Test
    void aSubscriberThatDoesNotReadIsDisconnectedPastTheOutputLimit() throws Exception {
        byte[] megabyte = new byte[1 << 20];
        java.util.Arrays.fill(megabyte, (byte) 'm');
        try (Socket subscriber = new Socket(); RespConnection publisher = RespConnection.connect(this.port)) {
            subscriber.setReceiveBufferSize(64 * 1024);
            subscriber.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
            subscriber.getOutputStream().write(RespConnection.request("SUBSCRIBE", "firehose"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> publisher.call("PUBSUB", "NUMSUB",
                    "firehose").equals("*2\r\n$8\r\nfirehose\r\n:1\r\n"));
            int published = 0;
            // The subscriber never reads: past 32 MB unsent (and what the sockets hold) it must be gone.
            while (publisher.send(RespConnection.request("PUBLISH".getBytes(StandardCharsets.US_ASCII),
                    "firehose".getBytes(StandardCharsets.US_ASCII), megabyte)).readReply().equals(":1\r\n")) {
                published++;
                assertThat(published).as("megabytes published to a subscriber that does not read").isLessThan(80);
            }
            assertThat(publisher.call("PUBSUB", "NUMSUB", "firehose")).isEqualTo("*2\r\n$8\r\nfirehose\r\n:0\r\n");
            assertThat(published).as("megabytes published before it was disconnected").isGreaterThanOrEqualTo(8);
        }
    }
}
