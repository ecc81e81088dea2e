package io.keystonelight.protocol.resp;

/** {@link RespAgainstRedisTest}'s requests again, both connections switched to RESP3 by {@code HELLO 3} first. */
class RespAgainstRedisResp3Test extends RespAgainstRedisTest {

    @Override
    protected int protocol() {
        return 3;
    }
}
