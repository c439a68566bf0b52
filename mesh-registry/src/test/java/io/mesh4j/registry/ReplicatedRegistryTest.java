package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.registry.internal.cli.MeshCtl;
import io.mesh4j.registry.internal.store.etcd.EtcdConnection;
import picocli.CommandLine;

/**
 * Two registry replicas over one real 3-member etcd cluster: what one acknowledges, the other serves and its
 * watchers hear; etcd expires an instance once; one etcd member lost changes nothing; all of them lost makes writes
 * 503, reads stale and the replica not ready, within the bound docs/registry.md states.
 */
class ReplicatedRegistryTest {

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @TempDir
    Path dirC;

    private MeshRegistry a;
    private MeshRegistry b;
    private Http httpA;
    private Http httpB;

    @BeforeEach
    void start() {
        a = etcd.replica(dirA);
        b = etcd.replica(dirB);
        httpA = new Http(a.uri());
        httpB = new Http(b.uri());
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

    private static String registration(int port, int ttlSeconds) {
        return "{\"host\":\"10.0.0.1\",\"port\":" + port + ",\"ttlSeconds\":" + ttlSeconds + "}";
    }

    @Test
    void registrationThroughOneReplicaWakesAWatcherOnTheOther() {
        final InstancesSnapshot before = Http.snapshot(httpB.get("/v1/services/orders/instances"));
        final CompletableFuture<AggregatedHttpResponse> watch = CompletableFuture.supplyAsync(
                () -> httpB.get("/v1/services/orders/instances?index=" + before.index() + "&wait=15s"));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.heldWatches() == 1);

        final AggregatedHttpResponse registered =
                httpA.put("/v1/services/orders/instances/o-1", registration(8080, 30));
        assertThat(registered.status().code()).as(registered.contentUtf8()).isEqualTo(200);
        final long index = Http.index(registered);

        final InstancesSnapshot seen = Http.snapshot(watch.join());
        assertThat(seen.index()).isGreaterThanOrEqualTo(index);
        assertThat(seen.instances()).extracting(Instance::port).containsExactly(8080);
        // The replica that acknowledged it serves it too, at once: it answers only once it has heard it back.
        assertThat(Http.snapshot(httpA.get("/v1/services/orders/instances")).instances())
                .extracting(Instance::port)
                .containsExactly(8080);
        // A heartbeat may reach either replica: the TTL lives in etcd.
        assertThat(httpB.put("/v1/services/orders/instances/o-1/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(200);

        final AggregatedHttpResponse removed = httpB.delete("/v1/services/orders/instances/o-1");
        assertThat(removed.status().code()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Http.snapshot(httpA.get("/v1/services/orders/instances"))
                        .instances()
                        .isEmpty());
        assertThat(httpA.delete("/v1/services/orders/instances/o-1").status().code())
                .isEqualTo(404);
    }

    @Test
    void aRouteConfigWrittenWithAnIndexAnotherReplicaMovedOnIsRefusedWith409() {
        final String fiftyFifty = "{\"rules\": [{\"name\": \"split\", \"route\": ["
                + "{\"subset\": {\"version\": \"v1\"}, \"weight\": 50},"
                + "{\"subset\": {\"version\": \"v2\"}, \"weight\": 50}]}]}";
        final String mostlyV2 = fiftyFifty.replaceFirst("50", "10").replaceFirst("50", "90");
        final AggregatedHttpResponse first = httpA.put("/v1/routes/orders?index=0", fiftyFifty);
        assertThat(first.status().code()).as(first.contentUtf8()).isEqualTo(200);
        final long read = Http.index(first);
        await().atMost(Duration.ofSeconds(5)).until(() -> Http.index(httpB.get("/v1/routes/orders")) == read);

        // Two operators read index `read`, one through each replica; B's write goes first.
        final AggregatedHttpResponse theirs = httpB.put("/v1/routes/orders?index=" + read, mostlyV2);
        assertThat(theirs.status().code()).as(theirs.contentUtf8()).isEqualTo(200);
        final AggregatedHttpResponse refused = httpA.put("/v1/routes/orders?index=" + read, fiftyFifty);

        assertThat(refused.status().code()).isEqualTo(409);
        assertThat(Http.error(refused).error()).isEqualTo("conflict");
        assertThat(refused.headers().get("X-Mesh-Index")).isEqualTo(Long.toString(Http.index(theirs)));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Http.index(httpA.get("/v1/routes/orders")) == Http.index(theirs));

        // The same for access policies, and a write of a name never written expects index 0 on every replica.
        final String policy = "{\"rules\": [{\"allowCallers\": [\"frontend\"]}]}";
        assertThat(httpA.put("/v1/policies/orders?index=0", policy).status().code())
                .isEqualTo(200);
        assertThat(httpB.put("/v1/policies/orders?index=0", policy).status().code())
                .isEqualTo(409);
    }

    @Test
    void theMeshWideDefaultChangedThroughOneReplicaIsInForceOnTheOther() {
        final long before = Http.index(httpB.get("/v1/policies/payments"));
        final CompletableFuture<AggregatedHttpResponse> watch =
                CompletableFuture.supplyAsync(() -> httpB.get("/v1/policies/payments?index=" + before + "&wait=15s"));

        final AggregatedHttpResponse changed = httpA.put("/v1/default-policy", "{\"default\": \"deny\"}");
        assertThat(changed.status().code()).as(changed.contentUtf8()).isEqualTo(200);
        try {
            // B's policy watch wakes with the new default, at the index etcd gave the change.
            final AggregatedHttpResponse woken = watch.join();
            assertThat(woken.contentUtf8()).contains("\"meshDefault\":\"deny\"");
            assertThat(Http.index(woken)).isEqualTo(Http.index(changed));
            assertThat(httpB.get("/v1/default-policy").contentUtf8()).contains("\"default\":\"deny\"");
        } finally {
            assertThat(httpB.put("/v1/default-policy", "{\"default\": \"allow\"}")
                            .status()
                            .code())
                    .isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> httpA.get("/v1/default-policy").contentUtf8().contains("\"default\":\"allow\""));
    }

    @Test
    void anInstanceWithoutHeartbeatsExpiresOnceForEveryReplica() {
        assertThat(httpA.put("/v1/services/billing/instances/b-1", registration(9090, 1))
                        .status()
                        .code())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !Http.snapshot(httpB.get("/v1/services/billing/instances"))
                        .instances()
                        .isEmpty());

        // No heartbeat: etcd ends the lease, and both replicas hear the same one removal.
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            final InstancesSnapshot onA = Http.snapshot(httpA.get("/v1/services/billing/instances"));
            final InstancesSnapshot onB = Http.snapshot(httpB.get("/v1/services/billing/instances"));
            assertThat(onA.instances()).isEmpty();
            assertThat(onB.instances()).isEmpty();
            assertThat(onA.index()).isEqualTo(onB.index());
        });
        assertThat(httpA.put("/v1/services/billing/instances/b-1/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(404);
    }

    @Test
    void meshctlCheckOnAnyReplicaFindsAnInstanceLateWithItsHeartbeatsFromItsEtcdLease() {
        // Registered through A with a 6 s TTL; nobody renews it. The TTL is an etcd lease, so B sees its age too.
        assertThat(httpA.put("/v1/services/stock/instances/s-1", registration(6100, 6))
                        .status()
                        .code())
                .isEqualTo(200);
        assertThat(httpA.put("/v1/services/stock/instances/s-2", registration(6101, 60))
                        .status()
                        .code())
                .isEqualTo(200);
        final StringWriter out = new StringWriter();
        // Late once etcd holds it for less than half its TTL: 3 s after registering without lease slack, 6 s with
        // the default slack of half the TTL (its lease is granted 9 s).
        await().atMost(Duration.ofSeconds(9))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    meshctl(out, "check", "--registry", b.uri().toString());
                    return out.toString().contains("[stale-heartbeat] instance s-1 of stock last renewed its lease");
                });
        assertThat(out.toString()).contains("(TTL 6s)").doesNotContain("instance s-2 of stock");

        // A heartbeat through B renews the lease: the check through A finds nothing late any more.
        assertThat(httpB.put("/v1/services/stock/instances/s-1/heartbeat", "")
                        .status()
                        .code())
                .isEqualTo(200);
        meshctl(out, "check", "--registry", a.uri().toString(), "--output", "json");
        assertThat(out.toString()).doesNotContain("stale-heartbeat");
    }

    private int meshctl(StringWriter out, String... args) {
        out.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(Map.of());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(out, true));
        return commandLine.execute(args);
    }

    @Test
    void writesGoOnWhenOneEtcdMemberIsKilled() {
        etcd.kill(0);
        try {
            // The client may have had a call on its way to the killed member: the first write may need a retry,
            // as any client's would; after that, every write goes through.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> httpA.put("/v1/services/cart/instances/c-0", registration(7000, 30))
                                    .status()
                                    .code()
                            == 200);
            for (int i = 1; i <= 20; i++) {
                final Http via = i % 2 == 0 ? httpA : httpB;
                final AggregatedHttpResponse res =
                        via.put("/v1/services/cart/instances/c-" + i, registration(7000 + i, 30));
                assertThat(res.status().code()).as(res.contentUtf8()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> Http.snapshot(httpA.get("/v1/services/cart/instances"))
                                    .instances()
                                    .size()
                            == 21);
        } finally {
            etcd.restart(0);
            etcd.awaitHealthy();
        }
    }

    @Test
    void withEtcdDownWritesAnswer503AndReadsAreServedStale() {
        assertThat(httpA.put("/v1/services/search/instances/s-1", registration(6000, 60))
                        .status()
                        .code())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !Http.snapshot(httpB.get("/v1/services/search/instances"))
                        .instances()
                        .isEmpty());
        final AggregatedHttpResponse fresh = httpB.get("/v1/services/search/instances");
        assertThat(fresh.headers().get("x-mesh-stale")).isNull();

        assertThat(httpA.get("/readyz").status().code()).isEqualTo(200);

        final MeshRegistry third = etcd.replica(dirC);
        final long lost = System.nanoTime();
        etcd.killAll();
        try {
            // The replica says so within the stated bound (two probes in a row failed, docs/registry.md): not
            // ready, and every change refused at once.
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> httpA.get("/readyz").status().code() == 503);
            final Duration reported = Duration.ofNanos(System.nanoTime() - lost);
            assertThat(reported)
                    .as("time from losing etcd to the replica reporting it")
                    .isLessThanOrEqualTo(EtcdConnection.WORST_CASE_REPORT.plusMillis(500));
            final AggregatedHttpResponse notReady = httpA.get("/readyz");
            assertThat(Http.error(notReady).message()).startsWith("not ready: ").contains("cannot reach etcd");
            // Alive all the same: it serves reads, and restarting it would not bring etcd back.
            assertThat(httpA.get("/healthz").status().code()).isEqualTo(200);
            final long sent = System.nanoTime();
            final AggregatedHttpResponse refused =
                    httpA.put("/v1/services/search/instances/s-2", registration(6001, 60));
            assertThat(Duration.ofNanos(System.nanoTime() - sent))
                    .as("a change refused at once, not after waiting on etcd")
                    .isLessThan(Duration.ofSeconds(1));
            assertThat(refused.status().code()).isEqualTo(503);
            assertThat(Http.error(refused).error()).isEqualTo("unavailable");
            assertThat(Http.error(refused).message()).contains("etcd");
            final AggregatedHttpResponse stale = httpB.get("/v1/services/search/instances");
            assertThat(stale.status().code()).isEqualTo(200);
            assertThat(stale.headers().get("x-mesh-stale")).isEqualTo("true");
            assertThat(Http.snapshot(stale).instances())
                    .extracting(Instance::port)
                    .containsExactly(6000);
            final long index = Http.snapshot(stale).index();
            // A watch is still held and answered, flagged too.
            final AggregatedHttpResponse watched =
                    httpB.get("/v1/services/search/instances?index=" + index + "&wait=200ms");
            assertThat(watched.status().code()).isEqualTo(200);
            assertThat(watched.headers().get("x-mesh-stale")).isEqualTo("true");
            // A replica stopped (SIGTERM) during the outage stops, rather than waiting on etcd.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> third.stop().join());
        } finally {
            third.close();
            etcd.restartAll();
        }
        // Back: writes go through again, and the flag is gone.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> httpA.put("/v1/services/search/instances/s-2", registration(6001, 60))
                                .status()
                                .code()
                        == 200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            final AggregatedHttpResponse res = httpB.get("/v1/services/search/instances");
            assertThat(res.headers().get("x-mesh-stale")).isNull();
            assertThat(Http.snapshot(res).instances()).hasSize(2);
        });
        assertThat(httpA.get("/readyz").status().code()).isEqualTo(200);
    }
}
