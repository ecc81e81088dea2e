package io.keystonelight.server;

import org.springframework.test.context.TestPropertySource;

/**
 * The same protocol tests with commands handed to a pool of four worker threads rather than run
 * on each connection's thread: still every connection is served, in order.
 */
@TestPropertySource(properties = "keystonelight.server.workers=4")
class WorkerPoolEndToEndTest extends ProtocolEndToEndTest {
}
