package io.keystonelight.support;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.store.KeyValueStore;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import io.keystonelight.transport.EventLoopServerConnectionFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole server in the test's JVM, on a free port, with its data file and PID file in a
 * folder of the test class's own, spoken to over real sockets. A subclass adds its settings with
 * a {@code @DynamicPropertySource} or {@code @TestPropertySource} of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
// Each test class has a folder of its own, removed after it: a server cached for the next class
// would write into a folder that is gone.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
public abstract class ServerInThisJvm {

    @TempDir
    protected static Path folder;

    @DynamicPropertySource
    static void serverInTheTestsFolder(DynamicPropertyRegistry registry) {
        serverIn(registry, () -> folder);
    }

    /** A free port, and the data file and PID file in the folder {@code folder} gives once the class has one. */
    public static void serverIn(DynamicPropertyRegistry registry, java.util.function.Supplier<Path> folder) {
        registry.add("keystonelight.server.port", () -> "0");
        registry.add("keystonelight.storage.data-file", () -> folder.get().resolve("db.txt").toString());
        registry.add("keystonelight.pid-file", () -> folder.get().resolve("keystonelight.pid").toString());
    }

    @Autowired
    protected EventLoopServerConnectionFactory connectionFactory;

    @Autowired
    protected KeyValueStore store;

    protected int port;

    @BeforeEach
    void findPort() {
        this.port = this.connectionFactory.getPort();
    }

    protected LineClient connect() {
        return LineClient.connect(this.port);
    }
}
