package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.registry.internal.store.etcd.EtcdConnection;

/**
 * Heartbeats over etcd: each renews its instance's etcd lease by a keep-alive that the replica's heartbeats share
 * one stream for, and is answered only once etcd has renewed the lease, so that an acknowledged heartbeat holds
 * whatever becomes of the replica that answered it. Replicas B and C, and A in the first test, run without lease
 * slack, so that every heartbeat sends its keep-alive; the last two tests are about the slack.
 */
class ReplicatedHeartbeatTest {

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @TempDir
    Path dirC;

    private MeshRegistry b;
    private MeshRegistry c;
    private Http httpB;
    private Http httpC;

    @BeforeEach
    void start() {
        b = etcd.replica(dirB, MeshRegistry.builder().leaseSlack(0));
        c = etcd.replica(dirC, MeshRegistry.builder().leaseSlack(0));
        httpB = new Http(b.uri());
        httpC = new Http(c.uri());
    }

    @AfterEach
    void stop() {
        if (b != null) {
            b.close();
        }
        if (c != null) {
            c.close();
        }
    }

    private static String registration(int port, int ttlSeconds) {
        return "{\"host\":\"10.0.0.1\",\"port\":" + port + ",\"ttlSeconds\":" + ttlSeconds + "}";
    }

    @Test
    void aHeartbeatAcknowledgedByAReplicaKilledRightAfterHoldsForTheWholeTtlAndTheInstanceExpiresOnce()
            throws Exception {
        final int ttlSeconds = 4;
        try (RegistryProcess a = replicaProcess(0);
                Client client = etcdClient()) {
            final Http httpA = new Http(a.awaitListening());
            assertThat(httpA.put("/v1/services/orders/instances/o-1", registration(8080, ttlSeconds))
                            .status()
                            .code())
                    .isEqualTo(200);
            final KeyValue stored = client.getKVClient()
                    .get(ByteSequence.from("mesh4j/instances/orders/o-1", StandardCharsets.UTF_8))
                    .get()
                    .getKvs()
                    .get(0);
            // Until the lease has at most half its TTL left: a heartbeat must now move its end, or the instance goes
            // before the promise of the heartbeat's answer.
            await().atMost(Duration.ofSeconds(ttlSeconds))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> client.getLeaseClient()
                                    .timeToLive(stored.getLease(), LeaseOption.DEFAULT)
                                    .get()
                                    .getTTL()
                            <= ttlSeconds / 2);

            final long sent = System.nanoTime();
            assertThat(httpA.put("/v1/services/orders/instances/o-1/heartbeat", "")
                            .status()
                            .code())
                    .isEqualTo(200);
            a.kill();

            // Acknowledged, so the instance lives at least the whole TTL from when the heartbeat was sent, on every
            // replica, although the replica that answered it is gone (a little less, for the watch to bring it).
            final Duration promised = Duration.ofSeconds(ttlSeconds).minusMillis(400);
            final Duration left = promised.minusNanos(System.nanoTime() - sent);
            assertThat(left)
                    .as("the heartbeat and the kill took too long to test anything")
                    .isPositive();
            await().during(left)
                    .atMost(left.plusSeconds(1))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> serves(httpB, 8080) && serves(httpC, 8080));

            // And it still expires, once: both replicas hear the same one removal.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                final InstancesSnapshot onB = Http.snapshot(httpB.get("/v1/services/orders/instances"));
                final InstancesSnapshot onC = Http.snapshot(httpC.get("/v1/services/orders/instances"));
                assertThat(onB.instances()).isEmpty();
                assertThat(onC.instances()).isEmpty();
                assertThat(onB.index()).isEqualTo(onC.index());
            });
            assertThat(httpB.put("/v1/services/orders/instances/o-1/heartbeat", "")
                            .status()
                            .code())
                    .isEqualTo(404);
        }
    }

    /**
     * With a slack of 100 %, a 2 s TTL is a 4 s lease: a heartbeat 1.2 s after the one that sent a keep-alive is
     * answered from the slack (etcd holds the lease 2.8 s more, past its TTL). That no keep-alive went is read from
     * the lease itself, in etcd's whole seconds: 2 s left (2.8 less the time to ask) rather than 3 after a renewal.
     */
    private static final int SLACK_TTL_SECONDS = 2;

    private static final Duration INTO_THE_SLACK = Duration.ofMillis(1_200);

    @Test
    void withSlackAHeartbeatSoonAfterAKeepAliveIsAnsweredWithoutOneAndALeftInstanceExpiresBetweenTtlAndTtlPlusSlack()
            throws Exception {
        final MeshRegistry slack = etcd.replica(dirA, MeshRegistry.builder().leaseSlack(100));
        try (Client client = etcdClient()) {
            final Http http = new Http(slack.uri());
            assertThat(http.put("/v1/services/pay/instances/p-1", registration(6300, SLACK_TTL_SECONDS))
                            .status()
                            .code())
                    .isEqualTo(200);
            final long lease = lease(client, "pay", "p-1");
            final long last = heartbeatIntoTheSlack(http, "pay", "p-1");
            assertThat(remainingSeconds(client, lease))
                    .as("seconds left of the lease: 3 would mean a keep-alive was sent")
                    .isLessThanOrEqualTo(SLACK_TTL_SECONDS);

            // Left alone, it is removed no sooner than its TTL after the last heartbeat, and no later than the TTL
            // plus the slack (etcd looks for expired leases every half second, and the removal then comes back by
            // the watch: a second of tolerance).
            await().atMost(Duration.ofSeconds(2L * SLACK_TTL_SECONDS + 2))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !serves(httpB, "pay", 6300));
            final Duration gone = Duration.ofNanos(System.nanoTime() - last);
            assertThat(gone)
                    .isBetween(Duration.ofSeconds(SLACK_TTL_SECONDS), Duration.ofSeconds(2L * SLACK_TTL_SECONDS + 1));
        } finally {
            slack.close();
        }
    }

    @Test
    void withSlackAHeartbeatAnsweredWithoutAKeepAliveHoldsForItsTtlAfterItsReplicaIsKilled() throws Exception {
        try (RegistryProcess a = replicaProcess(100);
                Client client = etcdClient()) {
            final Http httpA = new Http(a.awaitListening());
            assertThat(httpA.put("/v1/services/pay/instances/p-2", registration(6400, SLACK_TTL_SECONDS))
                            .status()
                            .code())
                    .isEqualTo(200);
            final long lease = lease(client, "pay", "p-2");
            final long last = heartbeatIntoTheSlack(httpA, "pay", "p-2");
            a.kill();
            assertThat(remainingSeconds(client, lease))
                    .as("seconds left of the lease: 3 would mean a keep-alive was sent")
                    .isLessThanOrEqualTo(SLACK_TTL_SECONDS);

            // Acknowledged, so held its whole TTL after it, on every replica, with the replica that answered it gone.
            final Duration left = Duration.ofSeconds(SLACK_TTL_SECONDS).minusNanos(System.nanoTime() - last);
            assertThat(left).as("the heartbeat and the kill took too long").isPositive();
            await().during(left)
                    .atMost(left.plusSeconds(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> serves(httpB, "pay", 6400));
            // And then it goes, once the slack is spent too.
            await().atMost(Duration.ofSeconds(SLACK_TTL_SECONDS + 2)).until(() -> !serves(httpB, "pay", 6400));
        }
    }

    /**
     * A heartbeat that sends a keep-alive (the replica's first of the instance), then one {@link #INTO_THE_SLACK}
     * later, both acknowledged; returns when the second was sent.
     */
    private static long heartbeatIntoTheSlack(Http replica, String service, String id) throws InterruptedException {
        final String path = "/v1/services/" + service + "/instances/" + id + "/heartbeat";
        final long keptAlive = System.nanoTime();
        assertThat(replica.put(path, "").status().code()).isEqualTo(200);
        // Time passing is what is tested here: the second heartbeat must come well into the slack.
        Thread.sleep(INTO_THE_SLACK.toMillis());
        final long last = System.nanoTime();
        assertThat(replica.put(path, "").status().code()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - keptAlive))
                .as("the heartbeats took too long to land in the slack")
                .isLessThan(Duration.ofMillis(1_900));
        return last;
    }

    /** Replica A as a process of its own (so that it can be killed with -9), with {@code slackPercent}. */
    private RegistryProcess replicaProcess(int slackPercent) {
        return RegistryProcess.start(
                dirA.resolve("logs"),
                "--plaintext",
                "--port",
                "0",
                "--host",
                "127.0.0.1",
                "--data-dir",
                dirA.resolve("data").toString(),
                "--etcd",
                etcd.endpointsFlag(),
                "--lease-slack",
                Integer.toString(slackPercent));
    }

    private static Client etcdClient() {
        return Client.builder()
                .endpoints(etcd.endpoints().toArray(java.net.URI[]::new))
                .build();
    }

    private static long lease(Client client, String service, String id) throws Exception {
        return client.getKVClient()
                .get(ByteSequence.from("mesh4j/instances/" + service + "/" + id, StandardCharsets.UTF_8))
                .get()
                .getKvs()
                .get(0)
                .getLease();
    }

    /**
     * The whole seconds left of an instance's lease, as etcd's leader counts them (rounded down), once the lease is
     * seen granted with the slack: twice the TTL at 100 %.
     */
    private static long remainingSeconds(Client client, long lease) throws Exception {
        final LeaseTimeToLiveResponse live =
                client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get();
        assertThat(live.getGrantedTTL()).as("granted seconds").isEqualTo(2L * SLACK_TTL_SECONDS);
        return live.getTTL();
    }

    private static boolean serves(Http replica, String service, int port) {
        return Http.snapshot(replica.get("/v1/services/" + service + "/instances")).instances().stream()
                .map(Instance::port)
                .anyMatch(p -> p == port);
    }

    private static boolean serves(Http replica, int port) {
        return Http.snapshot(replica.get("/v1/services/orders/instances")).instances().stream()
                .map(Instance::port)
                .anyMatch(p -> p == port);
    }

    @Test
    void manyHeartbeatsAtOnceOfTheSameAndOfDifferentInstancesAreEachRenewedAndAGoneOneIs404() {
        final int instances = 20;
        for (int i = 0; i < instances; i++) {
            assertThat(httpB.put("/v1/services/cart/instances/c-" + i, registration(7000 + i, 30))
                            .status()
                            .code())
                    .isEqualTo(200);
        }
        // Ten heartbeats of each instance in flight together: those of one instance that arrive while its
        // keep-alive is on its way share the next one.
        final WebClient client = WebClient.of(b.uri());
        final List<CompletableFuture<AggregatedHttpResponse>> heartbeats = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < instances; i++) {
                heartbeats.add(client.execute(
                                RequestHeaders.of(HttpMethod.PUT, "/v1/services/cart/instances/c-" + i + "/heartbeat"))
                        .aggregate());
            }
        }
        for (CompletableFuture<AggregatedHttpResponse> heartbeat : heartbeats) {
            final AggregatedHttpResponse answer = heartbeat.join();
            assertThat(answer.status().code()).as(answer.contentUtf8()).isEqualTo(200);
        }

        // Deregistered through the other replica: its lease is revoked, and a heartbeat through this one is 404,
        // whether it hears the removal first or asks etcd for the lease that is no more.
        assertThat(httpC.delete("/v1/services/cart/instances/c-0").status().code())
                .isEqualTo(200);
        assertThat(httpB.put("/v1/services/cart/instances/c-0/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(404);
        assertThat(httpB.put("/v1/services/cart/instances/c-1/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(200);
    }

    @Test
    void heartbeatsGoOnWhenTheEtcdLeaderIsKilled() {
        assertThat(httpB.put("/v1/services/stock/instances/s-1", registration(6100, 30))
                        .status()
                        .code())
                .isEqualTo(200);
        assertThat(httpB.put("/v1/services/stock/instances/s-1/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> etcd.leader() >= 0);
        final int leader = etcd.leader();
        final String heartbeat = "/v1/services/stock/instances/s-1/heartbeat";
        final long killed = System.nanoTime();
        etcd.kill(leader);
        try {
            // The keep-alives' stream went to the member killed: it breaks, the heartbeat on it may be answered
            // 503 (the member tries again), and the next finds the new leader. But the cluster keeps its quorum, so
            // the replica never takes etcd for lost: through the election and past the time it would report a real
            // outage, it stays ready and refuses no change for want of etcd, though a probe may time out meanwhile.
            final List<String> refusals = new ArrayList<>();
            final Duration window = EtcdConnection.WORST_CASE_REPORT.plusSeconds(1);
            while (System.nanoTime() - killed < window.toNanos()) {
                final AggregatedHttpResponse ready = httpB.get("/readyz");
                if (ready.status().code() != 200) {
                    refusals.add("/readyz " + ready.status().code() + " " + ready.contentUtf8());
                }
                final AggregatedHttpResponse answer = httpB.put(heartbeat, "");
                if (answer.status().code() != 200 && answer.contentUtf8().contains("changes are refused")) {
                    refusals.add("heartbeat " + answer.status().code() + " " + answer.contentUtf8());
                }
            }
            assertThat(refusals)
                    .as("refused for want of etcd while it kept its quorum")
                    .isEmpty();
            // Then the heartbeats go on, every one.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> httpB.put(heartbeat, "").status().code() == 200);
            for (int i = 0; i < 20; i++) {
                final AggregatedHttpResponse answer = httpB.put(heartbeat, "");
                assertThat(answer.status().code()).as(answer.contentUtf8()).isEqualTo(200);
            }
        } finally {
            etcd.restart(leader);
            etcd.awaitHealthy();
        }
    }
}
