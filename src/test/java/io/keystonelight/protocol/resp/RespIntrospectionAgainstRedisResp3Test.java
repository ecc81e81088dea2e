package io.keystonelight.protocol.resp;

/** {@link RespIntrospectionAgainstRedisTest}'s requests again, both connections switched to RESP3 by {@code HELLO 3} first. */
class RespIntrospectionAgainstRedisResp3Test extends RespIntrospectionAgainstRedisTest {

    @Override
    protected int protocol() {
        return 3;
    }
}
