package io.keystonelight.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.keystonelight.store.Write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterMembersTest {

    @Test
    void parsesEveryMemberWithThisNodeAmongThem() {
        ClusterMembers members = ClusterMembers.parse("n2", "n1=127.0.0.1:9871, n2=127.0.0.1:9872,n3=host-3:9873");
        assertThat(members.size()).isEqualTo(3);
        assertThat(members.self()).isEqualTo(new ClusterMembers.Address("127.0.0.1", 9872));
        assertThat(members.addresses().get("n3").host()).isEqualTo("host-3");
    }

    @Test
    void eachMemberWaitsForItsFirstElectionInAWindowOfItsOwnByItsPlaceInThePeersSetting() {
        String peers = "n1=127.0.0.1:9871,n2=127.0.0.1:9872,n3=127.0.0.1:9873";
        List<Integer> ranks = List.of("n1", "n2", "n3").stream()
                .map(id -> ClusterMembers.parse(id, peers).rank()).toList();
        assertThat(ranks).containsExactly(0, 1, 2);
        long election = 1000;
        // A window is half an election timeout long: the next one begins after the previous one ends.
        for (int rank = 0; rank < 2; rank++) {
            long end = ClusterNode.firstElectionFrom(rank, election) + election / 2;
            assertThat(ClusterNode.firstElectionFrom(rank + 1, election))
                    .as("the first election window of rank %d begins after rank %d's ends at %d ms", rank + 1,
                            rank, end)
                    .isGreaterThan(end);
        }
        assertThat(ClusterNode.firstElectionFrom(0, election)).isEqualTo(500);
    }

    @Test
    void refusesANodeIdThatIsNotAPeer() {
        assertThatThrownBy(() -> ClusterMembers.parse("n4", "n1=127.0.0.1:9871,n2=127.0.0.1:9872"))
                .isInstanceOf(ClusterConfigurationException.class)
                .hasMessageContaining("n4 is not one of the members").hasMessageContaining("n1, n2");
    }

    @Test
    void takesTheAddressOfANodeToAdd() {
        assertThat(ClusterMembers.parseAddress("n4", "host-4:9874")).isEqualTo(new ClusterMembers.Address("host-4", 9874));
    }

    @Test
    void refusesAMalformedNodeToAddWithABadRequest() {
        for (List<String> node : List.of(List.of("n 4", "127.0.0.1:9874"), List.of("n4", "127.0.0.1"),
                List.of("n4", ":9874"), List.of("n4", "127.0.0.1:"), List.of("n4", "127.0.0.1:port"),
                List.of("n4", "127.0.0.1:0"), List.of("n4", "127.0.0.1:65536"))) {
            assertThatThrownBy(() -> ClusterMembers.parseAddress(node.get(0), node.get(1))).as(node.toString())
                    .isInstanceOf(MembershipException.class)
                    .satisfies(ex -> assertThat(((MembershipException) ex).status()).isEqualTo(400))
                    .hasMessageContaining(node.get(0).equals("n4") ? "address" : "node id")
                    .hasMessageContaining("n 4".equals(node.get(0)) ? "expected 1 to 64 letters" : "n4");
        }
    }

    @Test
    void refusesMalformedPeerLists() {
        for (String peers : List.of("n1=127.0.0.1", "n1:127.0.0.1:9871", "n1=127.0.0.1:port", "n1=127.0.0.1:70000",
                "n1=127.0.0.1:9871,n1=127.0.0.1:9872", "n1=127.0.0.1:9871,n2=127.0.0.1:9871", "=127.0.0.1:1")) {
            assertThatThrownBy(() -> ClusterMembers.parse("n1", peers)).as(peers)
                    .isInstanceOf(ClusterConfigurationException.class).hasMessageContaining("malformed")
                    .hasMessageContaining("expected n1=host:port");
        }
        assertThatThrownBy(() -> ClusterMembers.parse("n1", "")).hasMessageContaining("peers is not set");
    }

    @Test
    void writesAndResultsSurviveTheLogEncoding() {
        byte[] key = "k\u00e9y".getBytes(StandardCharsets.UTF_8);
        byte[] binary = { 0, '\n', (byte) 0xff, '|' };
        List<Write<?>> writes = List.of(new Write.Put(key, binary, Write.Condition.IF_ABSENT, true),
                new Write.Delete(List.of(key, binary)), new Write.GetAndDelete(key),
                new Write.PutAll(List.of(key, binary), List.of(binary, key), true), new Write.Increment(key, -7),
                new Write.Append(key, binary), new Write.Clear());
        long before = System.currentTimeMillis();
        for (Write<?> write : writes) {
            Write<?> decoded = WriteCodec.decode(WriteCodec.encode(write));
            // Each travels with the time its node accepted it, so every replica decides expiry alike.
            assertThat(decoded).isInstanceOf(Write.Timed.class);
            assertThat(((Write.Timed<?>) decoded).now()).isBetween(before, System.currentTimeMillis());
            assertThat(untimed(decoded)).usingRecursiveComparison().isEqualTo(write);
        }
        for (Object result : new Object[] { null, 3, 4L, true, binary, new Write.PutResult(true, binary),
                new Write.PutResult(false, null) }) {
            WriteCodec.Result decoded = WriteCodec.decodeResult(WriteCodec.encodeResult(result, null));
            assertThat(decoded.rejection()).isNull();
            assertThat(decoded.value()).usingRecursiveComparison().isEqualTo(result);
        }
        assertThat(WriteCodec.decodeResult(WriteCodec.encodeResult(null, "not an integer")).rejection())
                .isEqualTo("not an integer");
        assertThatThrownBy(() -> WriteCodec.decode(new byte[] { 1, 0, 0, 0, 9 }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }

    static Write<?> untimed(Write<?> write) {
        return write instanceof Write.Timed<?> timed ? timed.write() : write;
    }

    @Test
    void aBatchEntryKeepsItsWritesAndTheirResultsInOrder() {
        List<Write<?>> writes = List.of(new Write.Increment(new byte[] { 'a' }, 1), new Write.Clear(),
                new Write.GetAndDelete(new byte[0]));
        byte[] entry = WriteCodec.encodeBatch(writes.stream().map(WriteCodec::encode).toList());
        assertThat(WriteCodec.isBatch(entry)).isTrue();
        assertThat(WriteCodec.isBatch(WriteCodec.encode(writes.get(0)))).as("an entry of one write, as before").isFalse();
        assertThat(WriteCodec.decodeBatch(entry).stream().map(ClusterMembersTest::untimed).toList())
                .usingRecursiveFieldByFieldElementComparator().isEqualTo(writes);
        byte[] reply = WriteCodec.encodeBatchResults(List.of(WriteCodec.encodeResult(2L, null),
                WriteCodec.encodeResult(null, "not an integer")));
        List<WriteCodec.Result> results = WriteCodec.decodeBatchResults(reply);
        assertThat(results).extracting(WriteCodec.Result::value).containsExactly(2L, null);
        assertThat(results.get(1).rejection()).isEqualTo("not an integer");
        byte[] withBarrier = WriteCodec.encodeBatch(List.of(WriteCodec.encode(writes.get(1)), WriteCodec.READ_BARRIER));
        assertThat(WriteCodec.decodeBatch(withBarrier)).as("a read barrier is no write").hasSize(2).containsNull();
        byte[] truncated = java.util.Arrays.copyOf(entry, entry.length - 1);
        assertThatThrownBy(() -> WriteCodec.decodeBatch(truncated)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("past its end");
    }
}
