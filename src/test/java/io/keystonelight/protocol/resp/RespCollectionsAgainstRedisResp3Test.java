package io.keystonelight.protocol.resp;

/** {@link RespCollectionsAgainstRedisTest}'s requests again, both connections switched to RESP3 by {@code HELLO 3} first. */
class RespCollectionsAgainstRedisResp3Test extends RespCollectionsAgainstRedisTest {

    @Override
    protected int protocol() {
        return 3;
    }
}
