package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.ServiceSummary;

/** The registry contract, call by call, against a registry in this JVM. */
class RegistryContractTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final InstanceId ORDERS_1 = InstanceId.of("orders-1");
    private static final InstanceId ORDERS_2 = InstanceId.of("orders-2");

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private RegistryClient client;
    private Http http;

    @BeforeEach
    void start() {
        registry = start(dataDir);
        client = RegistryClient.of(registry.uri());
        http = new Http(registry.uri());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    static MeshRegistry start(Path dataDir) {
        return MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
    }

    static Registration registration(String host, int port) {
        return Registration.builder(host, port).build();
    }

    @Test
    void healthzAnswersOkWhileServing() {
        final AggregatedHttpResponse res = http.get("/healthz");
        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.contentType()).isEqualTo(MediaType.JSON_UTF_8);
        // One registry with its store in order can do every job: ready too.
        final AggregatedHttpResponse ready = http.get("/readyz");
        assertThat(ready.status()).isEqualTo(HttpStatus.OK);
        assertThat(ready.contentUtf8()).isEqualTo("{\"status\":\"ready\"}");
    }

    @Test
    void uriPointsAtTheBoundPort() {
        assertThat(registry.uri().toString()).isEqualTo("http://127.0.0.1:" + registry.port());
        assertThat(registry.port()).isPositive();
    }

    @Test
    void registerAnswersTheNextIndexAndTheWatchShowsTheInstance() {
        final Registration registration = Registration.builder("10.0.0.7", 8080)
                .zone("eu-west-1a")
                .weight(50)
                .metadata(Map.of("version", "1.4.2"))
                .ttl(Duration.ofSeconds(30))
                .build();
        assertThat(client.register(ORDERS, ORDERS_1, registration).join()).isEqualTo(1);

        final InstancesSnapshot snapshot = client.instances(ORDERS).join();
        assertThat(snapshot.index()).isEqualTo(1);
        assertThat(snapshot.instances()).containsExactly(registration.toInstance(ORDERS_1));
    }

    @Test
    void registeringTheSameRegistrationAgainKeepsTheIndexAndWritesNothing() throws Exception {
        final Registration registration = registration("10.0.0.7", 8080);
        assertThat(client.register(ORDERS, ORDERS_1, registration).join()).isEqualTo(1);
        final long logSize = Files.size(dataDir.resolve("registry.log"));

        assertThat(client.register(ORDERS, ORDERS_1, registration).join()).isEqualTo(1);
        assertThat(Files.size(dataDir.resolve("registry.log"))).isEqualTo(logSize);
        assertThat(client.instances(ORDERS).join().index()).isEqualTo(1);
    }

    @Test
    void aChangedRegistrationTakesANewIndex() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        final Registration moved = registration("10.0.0.7", 9090);

        assertThat(client.register(ORDERS, ORDERS_1, moved).join()).isEqualTo(2);
        assertThat(client.instances(ORDERS).join().instances()).containsExactly(moved.toInstance(ORDERS_1));
    }

    @Test
    void indexesAreOneCounterAcrossServices() {
        final ServiceName payments = ServiceName.of("payments");
        assertThat(client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080))
                        .join())
                .isEqualTo(1);
        assertThat(client.register(payments, ORDERS_1, registration("10.0.0.8", 8080))
                        .join())
                .isEqualTo(2);
        assertThat(client.register(ORDERS, ORDERS_2, registration("10.0.0.9", 8080))
                        .join())
                .isEqualTo(3);

        assertThat(client.instances(ORDERS).join().index()).isEqualTo(3);
        assertThat(client.instances(payments).join().index()).isEqualTo(2);
    }

    @Test
    void heartbeatAnswersTheServiceIndex() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        client.register(ORDERS, ORDERS_2, registration("10.0.0.8", 8080)).join();

        final AggregatedHttpResponse res = http.put("/v1/services/orders/instances/orders-1/heartbeat", "");
        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(Http.index(res)).isEqualTo(2);
        assertThat(client.heartbeat(ORDERS, ORDERS_1).join()).isTrue();
    }

    @Test
    void heartbeatOfAnUnknownInstanceAnswersNotFound() {
        final AggregatedHttpResponse res = http.put("/v1/services/orders/instances/orders-1/heartbeat", "");

        assertThat(res.status()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(Http.error(res).error()).isEqualTo("not_found");
        assertThat(Http.error(res).message()).contains("register it again");
        assertThat(client.heartbeat(ORDERS, ORDERS_1).join()).isFalse();
    }

    @Test
    void deregisterAnswersTheIndexOfTheRemoval() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        client.register(ORDERS, ORDERS_2, registration("10.0.0.8", 8080)).join();

        final AggregatedHttpResponse res = http.delete("/v1/services/orders/instances/orders-1");
        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(Http.index(res)).isEqualTo(3);
        final InstancesSnapshot snapshot = client.instances(ORDERS).join();
        assertThat(snapshot.index()).isEqualTo(3);
        assertThat(snapshot.instances()).extracting(Instance::id).containsExactly(ORDERS_2);
    }

    @Test
    void deregisterOfAnUnknownInstanceAnswersNotFound() {
        final AggregatedHttpResponse res = http.delete("/v1/services/orders/instances/orders-1");

        assertThat(res.status()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(Http.error(res).error()).isEqualTo("not_found");
        assertThat(client.services().join()).isEmpty();
    }

    @Test
    void servicesListsEveryServiceWithInstancesSortedByName() {
        client.register(ServiceName.of("zeta"), ORDERS_1, registration("10.0.0.1", 8080))
                .join();
        client.register(ServiceName.of("alpha"), ORDERS_1, registration("10.0.0.2", 8080))
                .join();
        client.register(ServiceName.of("alpha"), ORDERS_2, registration("10.0.0.3", 8080))
                .join();
        client.register(ServiceName.of("gone"), ORDERS_1, registration("10.0.0.4", 8080))
                .join();
        client.deregister(ServiceName.of("gone"), ORDERS_1).join();

        assertThat(client.services().join())
                .containsExactly(
                        new ServiceSummary(ServiceName.of("alpha"), 2, 3),
                        new ServiceSummary(ServiceName.of("zeta"), 1, 1));
    }

    @Test
    void watchOfAnUnknownServiceAnswersIndexZeroAndNoInstances() {
        final AggregatedHttpResponse res = http.get("/v1/services/nobody/instances?wait=10s");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.headers().get("X-Mesh-Index")).isEqualTo("0");
        assertThat(Http.snapshot(res)).isEqualTo(new InstancesSnapshot(0, List.of()));
    }

    @Test
    void watchAnswersWithTheIndexHeaderAndInstancesSortedById() {
        for (String id : List.of("c", "a", "b")) {
            client.register(ORDERS, InstanceId.of(id), registration("10.0.0.7", 8080))
                    .join();
        }

        final AggregatedHttpResponse res = http.get("/v1/services/orders/instances");
        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.headers().get("X-Mesh-Index")).isEqualTo("3");
        assertThat(Http.snapshot(res).instances())
                .extracting(instance -> instance.id().value())
                .containsExactly("a", "b", "c");
    }

    @Test
    void watchBehindOrAheadOfTheServiceAnswersAtOnce() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        client.register(ORDERS, ORDERS_2, registration("10.0.0.8", 8080)).join();

        // A 30 s wait that answers at once: behind (1), or from another history (99).
        assertThat(client.watch(ORDERS, 1, Duration.ofSeconds(30))
                        .orTimeout(5, TimeUnit.SECONDS)
                        .join()
                        .index())
                .isEqualTo(2);
        assertThat(client.watch(ORDERS, 99, Duration.ofSeconds(30))
                        .orTimeout(5, TimeUnit.SECONDS)
                        .join()
                        .index())
                .isEqualTo(2);
    }

    @Test
    void watchAtTheCurrentIndexHoldsUntilItsWaitEnds() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        final long started = System.nanoTime();

        final InstancesSnapshot snapshot =
                client.watch(ORDERS, 1, Duration.ofMillis(300)).join();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
        assertThat(snapshot.index()).isEqualTo(1);
        assertThat(snapshot.instances()).hasSize(1);
    }

    @Test
    void theContentTypeOfARegistrationIsIgnored() {
        final AggregatedHttpResponse res =
                http.put("/v1/services/orders/instances/orders-1", "{\"host\":\"10.0.0.7\",\"port\":8080}");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(Http.index(res)).isEqualTo(1);
        assertThat(client.instances(ORDERS).join().instances())
                .containsExactly(registration("10.0.0.7", 8080).toInstance(ORDERS_1));
    }

    @Test
    void concurrentRegistrationsEachTakeTheirOwnIndex() throws Exception {
        final ExecutorService threads = Executors.newFixedThreadPool(8);
        final Set<Long> indexes = ConcurrentHashMap.newKeySet();
        final List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int thread = t;
            done.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < 25; i++) {
                            indexes.add(client.register(
                                            ORDERS,
                                            InstanceId.of("t" + thread + "-" + i),
                                            registration("10.0.0.7", 8000 + i))
                                    .join());
                        }
                    },
                    threads));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        threads.shutdown();

        assertThat(indexes).hasSize(200).allMatch(index -> index >= 1 && index <= 200);
        final InstancesSnapshot snapshot = client.instances(ORDERS).join();
        assertThat(snapshot.index()).isEqualTo(200);
        assertThat(snapshot.instances()).hasSize(200);
    }

    @Test
    void everythingAndTheIndexSurviveARestart() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        client.register(ORDERS, ORDERS_2, registration("10.0.0.8", 8080)).join();
        client.register(ServiceName.of("emptied"), ORDERS_1, registration("10.0.0.9", 8080))
                .join();
        client.deregister(ServiceName.of("emptied"), ORDERS_1).join();
        final InstancesSnapshot before = client.instances(ORDERS).join();
        registry.close();

        registry = start(dataDir);
        client = RegistryClient.of(registry.uri());

        assertThat(client.instances(ORDERS).join()).isEqualTo(before);
        // An emptied service keeps its index, so that a watcher holding it keeps waiting.
        assertThat(client.instances(ServiceName.of("emptied")).join().index()).isEqualTo(4);
        assertThat(client.register(ORDERS, InstanceId.of("orders-3"), registration("10.0.0.9", 8080))
                        .join())
                .isEqualTo(5);
    }

    @Test
    void closingAnswersHeldWatchesAtOnce() {
        client.register(ORDERS, ORDERS_1, registration("10.0.0.7", 8080)).join();
        final CompletableFuture<InstancesSnapshot> watch = client.watch(ORDERS, 1, Duration.ofSeconds(60));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);

        registry.close();

        assertThat(watch.orTimeout(5, TimeUnit.SECONDS).join().index()).isEqualTo(1);
    }
}
