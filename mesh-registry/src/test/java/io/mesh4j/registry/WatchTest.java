package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;

/** Long-poll watches: woken by a change at once, many at a time, without a thread each. */
class WatchTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Registration REGISTRATION =
            Registration.builder("10.0.0.7", 8080).build();

    @TempDir
    Path dataDir;

    private MeshRegistry registry;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aWatchWakesWithin100MillisecondsOfAChange() {
        registry = RegistryContractTest.start(dataDir);
        final RegistryClient client = RegistryClient.of(registry.uri());
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();

        for (int round = 0; round < 5; round++) {
            final long index = client.instances(ORDERS).join().index();
            final AtomicLong answered = new AtomicLong();
            final CompletableFuture<InstancesSnapshot> watch = client.watch(ORDERS, index, Duration.ofSeconds(30))
                    .whenComplete((snapshot, cause) -> answered.set(System.nanoTime()));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);

            final AtomicLong acknowledged = new AtomicLong();
            client.register(ORDERS, InstanceId.of("orders-" + (round + 2)), REGISTRATION)
                    .whenComplete((newIndex, cause) -> acknowledged.set(System.nanoTime()))
                    .join();

            assertThat(watch.orTimeout(5, TimeUnit.SECONDS).join().index()).isEqualTo(index + 1);
            assertThat(Duration.ofNanos(answered.get() - acknowledged.get())).isLessThan(Duration.ofMillis(100));
        }
    }

    @Test
    void aWatchFromZeroOnAServiceNobodyRegisteredHoldsUntilItsFirstInstance() {
        registry = RegistryContractTest.start(dataDir);
        final RegistryClient client = RegistryClient.of(registry.uri());

        final CompletableFuture<InstancesSnapshot> watch = client.watch(ORDERS, 0, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);
        assertThat(watch).isNotDone();

        final long index =
                client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();

        final InstancesSnapshot first = watch.orTimeout(5, TimeUnit.SECONDS).join();
        assertThat(first.index()).isEqualTo(index);
        assertThat(first.instances()).hasSize(1);
    }

    @Test
    void aReadWithoutAnIndexAnswersAtOnceEvenForAServiceNobodyRegistered() {
        registry = RegistryContractTest.start(dataDir);
        final RegistryClient client = RegistryClient.of(registry.uri());

        final InstancesSnapshot unknown =
                client.instances(ORDERS).orTimeout(5, TimeUnit.SECONDS).join();

        assertThat(unknown.index()).isZero();
        assertThat(unknown.instances()).isEmpty();
        assertThat(registry.heldWatches()).isZero();
    }

    @Test
    void hundredsOfWatchesAllWakeOnOneChangeWithoutAThreadEach() {
        registry = RegistryContractTest.start(dataDir);
        final RegistryClient client = RegistryClient.of(registry.uri());
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();
        final int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        final List<CompletableFuture<InstancesSnapshot>> watches = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            watches.add(client.watch(ORDERS, 1, Duration.ofSeconds(30)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.heldWatches() == 300);
        // The client's event loops and the registry's are shared: a thread per watch would add hundreds.
        assertThat(ManagementFactory.getThreadMXBean().getThreadCount()).isLessThan(threadsBefore + 50);
        assertThat(watches).noneMatch(CompletableFuture::isDone);

        client.register(ORDERS, InstanceId.of("orders-2"), REGISTRATION).join();

        final CompletableFuture<Void> all = CompletableFuture.allOf(watches.toArray(CompletableFuture[]::new));
        all.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(watches)
                .allMatch(watch ->
                        watch.join().index() == 2 && watch.join().instances().size() == 2);
        assertThat(registry.heldWatches()).isZero();
    }

    @Test
    void aWatchThatEndsWithoutAChangeAnswersWhatTheServiceHasAndIsForgotten() {
        registry = RegistryContractTest.start(dataDir);
        final RegistryClient client = RegistryClient.of(registry.uri());
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();

        final InstancesSnapshot snapshot =
                client.watch(ORDERS, 1, Duration.ofMillis(200)).join();

        assertThat(snapshot.index()).isEqualTo(1);
        assertThat(snapshot.instances()).hasSize(1);
        assertThat(registry.heldWatches()).isZero();
    }

    @Test
    void aWatchOutlivesArmeriasRequestTimeout() {
        registry = MeshRegistry.builder()
                .plaintext()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .requestTimeout(Duration.ofMillis(200))
                .build()
                .start()
                .join();
        final RegistryClient client = RegistryClient.of(registry.uri());
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();
        final Http http = new Http(registry.uri());

        final AggregatedHttpResponse res = http.get("/v1/services/orders/instances?index=1&wait=1s");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        assertThat(res.headers().get("X-Mesh-Index")).isEqualTo("1");
    }

    @Test
    void aCallerThatLeavesStopsItsWatch() {
        registry = RegistryContractTest.start(dataDir);
        try (ClientFactory factory = ClientFactory.builder().build()) {
            final RegistryClient client = RegistryClient.of(registry.uri(), factory);
            client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();
            final CompletableFuture<InstancesSnapshot> watch = client.watch(ORDERS, 1, Duration.ofMinutes(5));
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);

            watch.cancel(true);
            factory.closeAsync();

            await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 0);
        }
    }

    @Test
    void aWatchOfAServiceWhoseLastInstanceLeftHoldsUntilItReturns() {
        registry = RegistryContractTest.start(dataDir);
        final RegistryClient client = RegistryClient.of(registry.uri());
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();
        client.deregister(ORDERS, InstanceId.of("orders-1")).join();
        final InstancesSnapshot empty = client.instances(ORDERS).join();
        assertThat(empty).isEqualTo(new InstancesSnapshot(2, List.of()));

        final CompletableFuture<InstancesSnapshot> watch = client.watch(ORDERS, 2, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();

        assertThat(watch.orTimeout(5, TimeUnit.SECONDS).join().index()).isEqualTo(3);
    }
}
