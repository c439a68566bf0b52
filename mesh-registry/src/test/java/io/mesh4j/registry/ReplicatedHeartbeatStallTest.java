package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;

/**
 * A heartbeat whose keep-alive etcd never answers: the replica gives its stream up after its timeout and answers
 * 503, rather than holding the heartbeat until the member's own timeout. A cluster of its own, since a member is
 * stopped ({@code kill -STOP}) and the other replicas' tests should not start behind it.
 */
class ReplicatedHeartbeatStallTest {

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dir;

    private MeshRegistry replica;
    private Http http;

    @BeforeEach
    void start() {
        // No lease slack: every heartbeat sends a keep-alive, so the stalled one waits on etcd rather than being
        // answered from the slack the first heartbeat's keep-alive bought.
        replica = etcd.replica(dir, MeshRegistry.builder().leaseSlack(0));
        http = new Http(replica.uri());
    }

    @AfterEach
    void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aKeepAliveTheLeaderNeverAnswersFailsItsHeartbeatWith503AfterTheTimeout() {
        assertThat(http.put(
                                "/v1/services/stock/instances/s-2",
                                "{\"host\":\"10.0.0.1\",\"port\":6200,\"ttlSeconds\":30}")
                        .status()
                        .code())
                .isEqualTo(200);
        // The first heartbeat opens the keep-alive stream, to the leader.
        assertThat(http.put("/v1/services/stock/instances/s-2/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> etcd.leader() >= 0);
        final int leader = etcd.leader();
        // Stopped, not killed: the stream to it stays open and its keep-alive is never answered, so only the
        // replica's own timeout (5 s, checked a second apart) ends the heartbeat, before the gRPC connection's
        // keep-alive pings (5 s + 3 s) or the test client's 20 s would.
        etcd.pause(leader);
        try {
            final long start = System.nanoTime();
            final AggregatedHttpResponse stalled = http.put("/v1/services/stock/instances/s-2/heartbeat", "");
            final Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(stalled.status().code()).as(stalled.contentUtf8()).isEqualTo(503);
            assertThat(stalled.contentUtf8()).contains("did not answer a lease keep-alive in time");
            assertThat(took).isBetween(Duration.ofSeconds(5), Duration.ofMillis(7_500));
        } finally {
            etcd.resume(leader);
            etcd.awaitHealthy();
        }
    }
}
