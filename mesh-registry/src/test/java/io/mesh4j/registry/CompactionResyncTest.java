package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.internal.registry.InstancesChanges;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.api.StaleReads;

/**
 * A replica that etcd compacted past: replica A talks to etcd member m0 alone, m0 is killed, and while A hears
 * nothing the mesh changes through replica B and etcd compacts its history. When m0 is back, A's watches cannot
 * resume where they were (etcd cancels them as compacted); A reads the whole state again at the current revision,
 * answers its held watchers correctly (a watcher of an index it no longer knows gets the full list), and follows
 * etcd again afterwards.
 */
class CompactionResyncTest {

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private MeshRegistry a;
    private MeshRegistry b;

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static MeshRegistry replica(Path dataDir, List<URI> endpoints) {
        return MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .etcd(endpoints)
                .build()
                .start()
                .join();
    }

    private static String registration(int port) {
        return "{\"host\":\"10.0.0.1\",\"port\":" + port + ",\"ttlSeconds\":60}";
    }

    private static final String ROUTES_V1 =
            "{\"rules\": [{\"name\": \"all\", \"route\": [{\"subset\": {\"version\": \"v1\"}, \"weight\": 100}]}]}";
    private static final String ROUTES_V2 = ROUTES_V1.replace("v1", "v2");

    @Test
    void aReplicaEtcdCompactedPastReadsEverythingAgainAndFollowsOn() throws Exception {
        final List<URI> members = etcd.endpoints();
        a = replica(dirA, List.of(members.get(0)));
        b = replica(dirB, members.subList(1, 3));
        final Http httpA = new Http(a.uri());
        final Http httpB = new Http(b.uri());

        assertThat(ok(httpA.put("/v1/services/orders/instances/o-1", registration(8081))))
                .isTrue();
        assertThat(ok(httpA.put("/v1/services/orders/instances/o-2", registration(8082))))
                .isTrue();
        assertThat(ok(httpA.put("/v1/routes/orders", ROUTES_V1))).isTrue();
        final InstancesSnapshot before = Http.snapshot(httpA.get("/v1/services/orders/instances"));
        assertThat(before.instances()).extracting(Instance::port).containsExactly(8081, 8082);

        // A full and an incremental watcher wait on A at what it served; they wait through the outage.
        final CompletableFuture<AggregatedHttpResponse> fullWatch = CompletableFuture.supplyAsync(
                () -> httpA.get("/v1/services/orders/instances?index=" + before.index() + "&wait=60s"));
        final CompletableFuture<AggregatedHttpResponse> changesWatch = CompletableFuture.supplyAsync(
                () -> httpA.get("/v1/services/orders/instances?index=" + before.index() + "&wait=60s&changes=true"));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.heldWatches() == 2);

        // A's only member goes away: A hears nothing more, and says so.
        etcd.kill(0);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "true".equals(httpA.get("/v1/services").headers().get(StaleReads.HEADER)));

        // Meanwhile, through B: o-1 leaves, o-2 moves, o-3 and a new service arrive, the route config changes. A
        // write on its way to the killed member (the leader, say) fails with 503 as any etcd client's would, and is
        // sent again: each of these may be repeated without changing its outcome.
        untilDone(() -> httpB.put("/v1/services/orders/instances/o-3", registration(8083)));
        untilDone(() -> httpB.delete("/v1/services/orders/instances/o-1"));
        untilDone(() -> httpB.put("/v1/services/orders/instances/o-2", registration(9082)));
        untilDone(() -> httpB.put("/v1/services/payments/instances/p-1", registration(7001)));
        untilDone(() -> httpB.put("/v1/routes/orders", ROUTES_V2));
        final InstancesSnapshot onB = Http.snapshot(httpB.get("/v1/services/orders/instances"));

        // ...and etcd compacts its history up to now, past every revision A had heard.
        try (Client admin = Client.builder().endpoints(members.get(1)).build()) {
            final long now = admin.getKVClient()
                    .get(ByteSequence.from("mesh4j/probe".getBytes()))
                    .get(10, TimeUnit.SECONDS)
                    .getHeader()
                    .getRevision();
            admin.getKVClient().compact(now).get(10, TimeUnit.SECONDS);
            // What A's watch will find when it resumes: the revision after the last it heard is gone.
            assertThat(watchFails(admin, before.index() + 1)).isInstanceOf(CompactedException.class);
        }

        etcd.restart(0);
        etcd.awaitHealthy();

        // A catches up: the held watchers are answered what is in etcd now.
        final InstancesSnapshot full = Http.snapshot(fullWatch.get(30, TimeUnit.SECONDS));
        assertThat(full.instances()).isEqualTo(onB.instances());
        assertThat(full.index()).isGreaterThan(before.index());
        final InstancesChanges changes = RegistryJson.parseChanges(
                changesWatch.get(30, TimeUnit.SECONDS).content().array());
        assertThat(changes.applyTo(before.instances()).instances()).isEqualTo(onB.instances());

        await().atMost(Duration.ofSeconds(10))
                .until(() -> httpA.get("/v1/services").headers().get(StaleReads.HEADER) == null);
        final AggregatedHttpResponse read = httpA.get("/v1/services/orders/instances");
        assertThat(Http.snapshot(read).instances()).isEqualTo(onB.instances());
        assertThat(Http.snapshot(httpA.get("/v1/services/payments/instances")).instances())
                .extracting(Instance::port)
                .containsExactly(7001);
        // Route configs keep their own revisions: both replicas answer the same, at the same index.
        assertThat(httpA.get("/v1/routes/orders").contentUtf8())
                .isEqualTo(httpB.get("/v1/routes/orders").contentUtf8())
                .contains("v2");

        // A names the state it read by the revision it read at (the removal's own revision is compacted away): a
        // watcher that moves from B with B's index, which A's history does not know, gets the full list.
        assertThat(Http.snapshot(read).index()).isNotEqualTo(onB.index());
        final InstancesChanges fromB = RegistryJson.parseChanges(
                httpA.get("/v1/services/orders/instances?index=" + onB.index() + "&changes=true")
                        .content()
                        .array());
        assertThat(fromB.full()).isTrue();
        assertThat(fromB.upserted()).isEqualTo(onB.instances());

        // And A follows etcd again: a change through B wakes a watcher on A.
        final long indexOnA = Http.snapshot(read).index();
        final CompletableFuture<AggregatedHttpResponse> next = CompletableFuture.supplyAsync(
                () -> httpA.get("/v1/services/orders/instances?index=" + indexOnA + "&wait=30s&changes=true"));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.heldWatches() == 1);
        assertThat(ok(httpB.put("/v1/services/orders/instances/o-4", registration(8084))))
                .isTrue();
        final InstancesChanges added = RegistryJson.parseChanges(
                next.get(10, TimeUnit.SECONDS).content().array());
        assertThat(added.full()).isFalse();
        assertThat(added.upserted()).extracting(Instance::port).containsExactly(8084);
        // Writes through A work again, and are heard by B.
        assertThat(ok(httpA.put("/v1/services/orders/instances/o-5", registration(8085))))
                .isTrue();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Http.snapshot(httpB.get("/v1/services/orders/instances")).instances().stream()
                        .anyMatch(instance -> instance.port() == 8085));
    }

    /** Sends a change until it is answered 200 (or 404 for a removal a 503'd attempt had made after all). */
    private static void untilDone(Supplier<AggregatedHttpResponse> change) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            final int status = change.get().status().code();
            assertThat(status).isIn(200, 404, 503);
            return status != 503;
        });
    }

    private static boolean ok(AggregatedHttpResponse response) {
        assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
        return true;
    }

    /** Watches {@code mesh4j/} from {@code revision}, and returns why etcd ended the watch. */
    private static Throwable watchFails(Client client, long revision) throws Exception {
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();
        try (Watch.Watcher ignored = client.getWatchClient()
                .watch(
                        ByteSequence.from("mesh4j/".getBytes()),
                        WatchOption.builder()
                                .isPrefix(true)
                                .withRevision(revision)
                                .build(),
                        Watch.listener(response -> {}, failed::complete))) {
            return failed.get(10, TimeUnit.SECONDS);
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
