package io.keystonelight.protocol.resp;

/** {@link RespTransactionsAndPubSubAgainstRedisTest}'s requests again, both connections switched to RESP3 by {@code HELLO 3} first. */
class RespTransactionsAndPubSubAgainstRedisResp3Test extends RespTransactionsAndPubSubAgainstRedisTest {

    @Override
    protected int protocol() {
        return 3;
    }
}
