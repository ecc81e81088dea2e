package io.keystonelight.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.keystonelight.support.LineClient;
import io.keystonelight.support.ServerInThisJvm;

/**
 * The whole server in this JVM, spoken to over real sockets as {@code nc} would.
 */
class ProtocolEndToEndTest extends ServerInThisJvm {

    @Test
    void everyRequestOfTheProtocolGetsItsReply() {
        try (LineClient client = connect()) {
            assertThat(client.call("ping")).isEqualTo("PONG");
            assertThat(client.call("set row:name Ada Lovelace")).isEqualTo("OK");
            assertThat(client.call("get row:name")).isEqualTo("VALUE Ada Lovelace");
            assertThat(client.call("get row:missing")).isEqualTo("NOT_FOUND");
            assertThat(client.call("set row:a 1")).isEqualTo("OK");
            assertThat(client.call("delete row:name row:a row:missing")).isEqualTo("DELETED 2");
            assertThat(client.call("del row:name")).isEqualTo("DELETED 0");
            assertThat(client.call("set row:empty ")).isEqualTo("OK");
            assertThat(client.call("get row:empty")).isEqualTo("VALUE ");
            assertThat(client.call("compact")).startsWith("OK compacted: ").contains("reclaimed");
            assertThat(client.call("sett row:x 1")).isEqualTo(
                    "ERR unknown command 'sett'; expected one of: set, get, delete (or del), expire, ttl, persist, compact, ping, quit");
            assertThat(client.call("get")).isEqualTo("ERR wrong number of arguments for 'get': expected get <key>");
            assertThat(client.call("set row:bad|key 1")).startsWith("ERR invalid key 'row:bad|key'");
            assertThat(client.call("")).startsWith("ERR empty request");
            assertThat(client.call("PiNg")).isEqualTo("PONG");
        }
    }

    @Test
    void nothingPipelinedAfterQuitRuns() {
        try (LineClient client = connect()) {
            client.send("set quit:before 1\nquit\nset quit:after 2\nget quit:before\n");
            assertThat(client.readLine()).isEqualTo("OK");
            assertThat(client.readLine()).as("the reply to quit").isEqualTo("OK");
            assertThat(client.readLine()).as("nothing after quit is answered: the server closes").isNull();
        }
        try (LineClient client = connect()) {
            assertThat(client.call("get quit:before")).isEqualTo("VALUE 1");
            assertThat(client.call("get quit:after")).as("the set sent after quit must not have run")
                    .isEqualTo("NOT_FOUND");
        }
    }

    @Test
    void crLfAndBareLfLineEndingsBothWork() {
        try (LineClient client = connect()) {
            client.send("set crlf:a 1\r\nset crlf:b 2\nget crlf:a\r\nget crlf:b\n");
            assertThat(List.of(client.readLine(), client.readLine(), client.readLine(), client.readLine()))
                    .containsExactly("OK", "OK", "VALUE 1", "VALUE 2");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        int requests = 5000;
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < requests; i++) {
            batch.append("set pipe:").append(i % 100).append(' ').append(i).append('\n');
            batch.append("get pipe:").append(i % 100).append('\n');
        }
        try (LineClient client = connect()) {
            client.send(batch.toString());
            for (int i = 0; i < requests; i++) {
                assertThat(client.readLine()).isEqualTo("OK");
                assertThat(client.readLine()).as("reply %d", i).isEqualTo("VALUE " + i);
            }
        }
    }

    @Test
    void aClientThatHalfClosesStillGetsEveryReply() {
        try (LineClient client = connect()) {
            client.send("set half:a 1\nget half:a\nping\n");
            client.shutdownOutput();
            assertThat(client.readLine()).isEqualTo("OK");
            assertThat(client.readLine()).isEqualTo("VALUE 1");
            assertThat(client.readLine()).isEqualTo("PONG");
            assertThat(client.readLine()).as("then the server closes").isNull();
        }
    }

    @Test
    void anUnfinishedLastLineIsNotExecuted() {
        try (LineClient client = connect()) {
            client.send("set torn:a 1\nset torn:b 2");
            client.shutdownOutput();
            assertThat(client.readLine()).isEqualTo("OK");
            assertThat(client.readLine()).isNull();
        }
        assertThat(this.store.get("torn:a")).isEqualTo("1");
        assertThat(this.store.get("torn:b")).isNull();
    }

    @Test
    void twoHundredConnectionsHeldOpenAtOnceAreAllAnswered() {
        List<LineClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                LineClient client = connect();
                clients.add(client);
                assertThat(client.call("set many:" + i + " " + i)).isEqualTo("OK");
            }
            // Every connection is still open, and each is still served.
            for (int i = 0; i < clients.size(); i++) {
                assertThat(clients.get(i).call("get many:" + i)).isEqualTo("VALUE " + i);
            }
        }
        finally {
            clients.forEach(LineClient::close);
        }
    }

    @Test
    void manyClientsAtOnceEachSeeTheirOwnWrites() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            int clientNo = c;
            done.add(pool.submit(() -> {
                try (LineClient client = connect()) {
                    for (int i = 0; i < 300; i++) {
                        String key = "conc:" + clientNo + ":" + (i % 10);
                        assertThat(client.call("set " + key + " " + i)).isEqualTo("OK");
                        assertThat(client.call("get " + key)).isEqualTo("VALUE " + i);
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
    }

    @Test
    void aLineAtTheLimitIsServedAndOnePastItClosesOnlyThatConnection() throws Exception {
        int limit = 1024 * 1024;
        String prefix = "set long:at ";
        String atLimit = prefix + "v".repeat(limit - prefix.length());
        try (LineClient bystander = connect(); LineClient client = connect()) {
            assertThat(client.call(atLimit)).isEqualTo("OK");
            assertThat(this.store.get("long:at")).hasSize(limit - prefix.length());

            client.send(atLimit + "x\nping\n");
            assertThat(client.readLine()).startsWith("ERR line too long: a request line may be at most 1048576 bytes");
            assertThat(client.readLine()).as("the connection is closed after the reply").isNull();

            assertThat(bystander.call("ping")).isEqualTo("PONG");
        }
        try (LineClient next = connect()) {
            assertThat(next.call("ping")).isEqualTo("PONG");
        }
    }

    @Test
    void invalidUtf8GetsAnErrorAndTheConnectionGoesOn() {
        try (LineClient client = connect()) {
            client.sendBytes(new byte[] { 's', 'e', 't', ' ', 'k', ' ', (byte) 0xFF, '\n' });
            assertThat(client.readLine()).isEqualTo("ERR request is not valid UTF-8; requests are UTF-8 text");
            assertThat(client.call("ping")).isEqualTo("PONG");
        }
    }

    @Test
    void writesAreInTheDataFileWhenAcknowledged() throws Exception {
        try (LineClient client = connect()) {
            assertThat(client.call("set file:check acknowledged")).isEqualTo("OK");
            String content = Files.readString(folder.resolve("db.txt"), StandardCharsets.UTF_8);
            assertThat(content).contains("file:check|acknowledged\n");
        }
    }
}
