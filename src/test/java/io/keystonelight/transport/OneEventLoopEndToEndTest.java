package io.keystonelight.transport;

import org.springframework.test.context.TestPropertySource;

/**
 * The same protocol tests with every connection on one event loop: still each is served, in
 * order, and none waits for another.
 */
@TestPropertySource(properties = "keystonelight.server.workers=1")
class OneEventLoopEndToEndTest extends ProtocolEndToEndTest {
}
