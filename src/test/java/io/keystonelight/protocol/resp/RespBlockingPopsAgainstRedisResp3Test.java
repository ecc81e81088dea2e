package io.keystonelight.protocol.resp;

/** {@link RespBlockingPopsAgainstRedisTest}'s requests again, both connections switched to RESP3 by {@code HELLO 3} first. */
class RespBlockingPopsAgainstRedisResp3Test extends RespBlockingPopsAgainstRedisTest {

    @Override
    protected int protocol() {
        return 3;
    }
}
