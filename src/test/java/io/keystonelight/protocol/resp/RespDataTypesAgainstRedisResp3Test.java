package io.keystonelight.protocol.resp;

/** {@link RespDataTypesAgainstRedisTest}'s requests again, both connections switched to RESP3 by {@code HELLO 3} first. */
class RespDataTypesAgainstRedisResp3Test extends RespDataTypesAgainstRedisTest {

    @Override
    protected int protocol() {
        return 3;
    }
}
