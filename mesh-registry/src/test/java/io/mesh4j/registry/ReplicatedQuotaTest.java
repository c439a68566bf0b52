package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.routing.QuotaSpec;

/**
 * Mesh-wide quotas with two registry replicas over one real 3-member etcd cluster: instances that lease through
 * different replicas share one division of the quota, whose shares together stay within it; a holder that leaves
 * through one replica frees its share on the other; the operator's view on either shows every holder.
 */
class ReplicatedQuotaTest {

    // Each test its own service: the cluster outlives a test, and so do the holders it leased.
    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final ServiceName PAYMENTS = ServiceName.of("payments");

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private MeshRegistry a;
    private MeshRegistry b;
    private RegistryClient clientA;
    private RegistryClient clientB;

    @BeforeEach
    void start() {
        a = etcd.replica(dirA);
        b = etcd.replica(dirB);
        clientA = RegistryClient.of(a.uri());
        clientB = RegistryClient.of(b.uri());
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    /** Puts a quota of 300/s on the service through A, and waits until B serves it too. */
    private void quotaOf300(ServiceName service) {
        final String path = "/v1/routes/" + service.value();
        final AggregatedHttpResponse put = new Http(a.uri())
                .put(
                        path,
                        "{\"rules\": [{\"name\": \"rest\"}], \"quotas\": [{\"name\": \"total\", \"requests\": 300}]}");
        assertThat(put.status().code()).as(put.contentUtf8()).isEqualTo(200);
        final long index = Http.index(put);
        await().atMost(Duration.ofSeconds(5)).until(() -> Http.index(new Http(b.uri()).get(path)) >= index);
    }

    private static QuotaJson.Lease lease(RegistryClient through, String instance, double demand, long refused) {
        return lease(through, ORDERS, instance, demand, refused);
    }

    private static QuotaJson.Lease lease(
            RegistryClient through, ServiceName service, String instance, double demand, long refused) {
        final QuotaJson.LeaseAnswer answer = through.quotaLeases(
                        service,
                        new QuotaJson.LeaseRequest(
                                InstanceId.of(instance),
                                List.of(new QuotaJson.Demand("total", demand, refused)),
                                false))
                .join();
        assertThat(answer.leases()).hasSize(1);
        return answer.leases().get(0);
    }

    @Test
    void holdersLeasingThroughDifferentReplicasShareOneDivisionWithinTheQuota() throws Exception {
        quotaOf300(ORDERS);

        // Each alone on its replica would be given the whole quota; together they are three holders of one.
        assertThat(lease(clientA, "orders-1", 0, 0).perSecond()).isCloseTo(300, within(1e-6));
        assertThat(lease(clientB, "orders-2", 0, 0).holders()).isEqualTo(2);
        final QuotaJson.Lease third = lease(clientA, "orders-3", 0, 0);
        assertThat(third.holders()).isEqualTo(3);
        assertThat(third.perSecond()).isCloseTo(100, within(1e-6));

        // 70/20/10 of 600 per second, reported through alternating replicas; once every demand is known, each
        // renewal answers 120 + 120 + 60: the quota, never more.
        lease(clientB, "orders-3", 60, 0);
        lease(clientA, "orders-2", 120, 0);
        final double s1 = lease(clientB, "orders-1", 420, 7).perSecond();
        final double s2 = lease(clientB, "orders-2", 120, 0).perSecond();
        final double s3 = lease(clientA, "orders-3", 60, 0).perSecond();
        assertThat(s1).isCloseTo(120, within(1e-6));
        assertThat(s2).isCloseTo(120, within(1e-6));
        assertThat(s3).isCloseTo(60, within(1e-6));
        assertThat(s1 + s2 + s3).isLessThanOrEqualTo(300 + 1e-6);

        // The operator's view on either replica shows the same three holders and the refusals reported through B.
        for (MeshRegistry replica : List.of(a, b)) {
            final JsonNode quota = quotaOf(replica, ORDERS);
            assertThat(quota.path("name").asText()).isEqualTo("total");
            assertThat(quota.path("refusals").asLong()).isEqualTo(7);
            assertThat(quota.path("demand").asDouble()).isCloseTo(600, within(1e-6));
            assertThat(quota.path("holders")).hasSize(3);
            double shares = 0;
            for (JsonNode holder : quota.path("holders")) {
                shares += holder.path("share").asDouble();
                assertThat(holder.path("expiresInMillis").asLong()).isPositive();
            }
            assertThat(shares).isCloseTo(300, within(1e-6));
        }
    }

    @Test
    void aHolderThatLeavesThroughOneReplicaFreesItsShareOnTheOther() throws Exception {
        quotaOf300(PAYMENTS);
        lease(clientA, PAYMENTS, "payments-1", 200, 0);
        assertThat(lease(clientB, PAYMENTS, "payments-2", 200, 0).perSecond()).isCloseTo(150, within(1e-6));
        assertThat(lease(clientA, PAYMENTS, "payments-1", 200, 0).perSecond()).isCloseTo(150, within(1e-6));

        // payments-2 stops, releasing through B: at its next lease through A, payments-1 holds the whole quota.
        clientB.quotaLeases(PAYMENTS, new QuotaJson.LeaseRequest(InstanceId.of("payments-2"), List.of(), true))
                .join();
        final QuotaJson.Lease alone = lease(clientA, PAYMENTS, "payments-1", 200, 0);
        assertThat(alone.holders()).isEqualTo(1);
        assertThat(alone.perSecond()).isCloseTo(300, within(1e-6));
        assertThat(quotaOf(b, PAYMENTS).path("holders")).hasSize(1);
    }

    @Test
    void withEtcdDownALeaseCallIs503AndLeasesResumeWhenItIsBack() {
        final ServiceName search = ServiceName.of("search");
        quotaOf300(search);
        assertThat(lease(clientA, search, "search-1", 0, 0).perSecond()).isCloseTo(300, within(1e-6));

        etcd.killAll();
        try {
            // Refused at once, saying why, rather than waiting: the instance keeps its last lease meanwhile.
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                final AggregatedHttpResponse refused = new Http(b.uri())
                        .send(
                                HttpMethod.POST,
                                "/v1/services/search/quota-leases",
                                "{\"instance\": \"search-2\", \"quotas\": [{\"name\": \"total\", \"demand\": 1}]}");
                assertThat(refused.status().code()).isEqualTo(503);
                assertThat(Http.error(refused).message()).contains("etcd");
            });
            // The operator's view reads etcd too: 503, at once, not a wait.
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(
                                    new Http(a.uri()).get("/v1/quotas").status().code())
                            .isEqualTo(503));
        } finally {
            etcd.restartAll();
        }
        // Back: both lease again, through either replica, and share the quota.
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            lease(clientA, search, "search-1", 0, 0);
            final QuotaJson.Lease back = lease(clientB, search, "search-2", 0, 0);
            assertThat(back.holders()).isEqualTo(2);
            assertThat(back.perSecond()).isCloseTo(150, within(1e-6));
        });
    }

    @Test
    void aDeclaredQuotaIsKeptInEtcdSoThatHoldersOnBothReplicasGetTheSmallestSize() throws Exception {
        final ServiceName billing = ServiceName.of("billing");
        // No route config: each holder's @Quota size travels with its lease, and lives with it in etcd.
        final QuotaJson.Lease first = declaredLease(clientA, billing, "billing-1", 100);
        assertThat(first.perSecond()).isCloseTo(100, within(1e-6));
        final QuotaJson.Lease second = declaredLease(clientB, billing, "billing-2", 40);
        assertThat(second.holders()).isEqualTo(2);
        assertThat(second.perSecond()).isCloseTo(20, within(1e-6));
        // A, which billing-2 never asked, read its declaration from etcd: the smallest, 40, is divided there too.
        assertThat(declaredLease(clientA, billing, "billing-1", 100).perSecond())
                .isCloseTo(20, within(1e-6));
        final JsonNode quota = quotaOf(a, billing);
        assertThat(quota.path("source").asText()).isEqualTo("annotation");
        assertThat(quota.path("requests").asLong()).isEqualTo(40);
        assertThat(quota.path("declared").toString()).isEqualTo("[\"40/1s from frontend\",\"100/1s from frontend\"]");
    }

    private static QuotaJson.Lease declaredLease(
            RegistryClient through, ServiceName service, String instance, long requests) {
        final QuotaSpec declared =
                new QuotaSpec("charge", null, ServiceName.of("frontend"), requests, Duration.ofSeconds(1));
        final QuotaJson.LeaseAnswer answer = through.quotaLeases(
                        service,
                        new QuotaJson.LeaseRequest(
                                InstanceId.of(instance),
                                List.of(new QuotaJson.Demand("charge", 0, 0, declared)),
                                false))
                .join();
        assertThat(answer.leases()).hasSize(1);
        return answer.leases().get(0);
    }

    /** The service's quota in the operator's view on {@code replica}. */
    private static JsonNode quotaOf(MeshRegistry replica, ServiceName service) throws Exception {
        final JsonNode view = new ObjectMapper()
                .readTree(new Http(replica.uri()).get("/v1/quotas").content().array());
        for (JsonNode quota : view.path("quotas")) {
            if (quota.path("service").asText().equals(service.value())) {
                return quota;
            }
        }
        throw new AssertionError("no quota of " + service + " in " + view);
    }
}
