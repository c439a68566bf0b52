package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;

/**
 * Issue 16: anyone may read or watch any service name, so a name that has nothing (no instance, no route config,
 * no access policy) must cost nothing once its call is answered, however many such names there are; and a watch
 * of a service that does not exist yet must still be woken when it appears.
 */
class UnknownNamesTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Registration REGISTRATION =
            Registration.builder("10.0.0.7", 8080).build();
    private static final Duration SHORT = Duration.ofMillis(5);

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private RegistryClient client;

    @BeforeEach
    void start() {
        registry = RegistryContractTest.start(dataDir);
        client = RegistryClient.of(registry.uri());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void readingAndWatchingThousandsOfUnknownNamesLeavesNothingBehind() {
        // A service that has everything, read and watched too, so that what it holds is counted in the baseline.
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();
        client.putRoutes(
                        ORDERS, new RouteConfig(List.of(RouteRule.builder("all").build())))
                .join();
        client.putPolicy(
                        ORDERS,
                        new AccessPolicy(List.of(new AccessRule(
                                Set.of("/orders/{id}"), Set.of(HttpMethod.GET), Set.of(ServiceName.of("frontend"))))))
                .join();
        client.instances(ORDERS).join();
        client.routes(ORDERS).join();
        client.policy(ORDERS).join();
        final int baseline = registry.servicesHeld();
        assertThat(baseline).isPositive();

        final int names = 3_000;
        for (int first = 0; first < names; first += 100) {
            final List<CompletableFuture<?>> calls = new ArrayList<>();
            for (int i = first; i < first + 100; i++) {
                final ServiceName name = ServiceName.of("ghost-" + i);
                calls.add(client.instances(name));
                calls.add(client.routes(name));
                calls.add(client.policy(name));
                // From index 0 each holds (nothing differs from what the caller has) until its short wait ends.
                calls.add(client.watch(name, 0, SHORT));
                calls.add(client.watchRoutes(name, 0, SHORT));
                calls.add(client.watchPolicy(name, 0, SHORT));
                // From another index each answers at once.
                calls.add(client.watch(name, 7, Duration.ofSeconds(30)));
                calls.add(client.watchRoutes(name, 7, Duration.ofSeconds(30)));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
        }

        assertThat(registry.heldWatches()).isZero();
        assertThat(registry.servicesHeld()).isEqualTo(baseline);
    }

    @Test
    void heldWatchesOfUnknownNamesHoldAPlaceOnlyWhileTheyWait() {
        final int baseline = registry.servicesHeld();
        final List<CompletableFuture<?>> watches = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final ServiceName name = ServiceName.of("ghost-" + i);
            watches.add(client.watch(name, 0, Duration.ofSeconds(3)));
            watches.add(client.watchRoutes(name, 0, Duration.ofSeconds(3)));
            watches.add(client.watchPolicy(name, 0, Duration.ofSeconds(3)));
        }
        // While they wait, each name has its place to be woken from: instances, route configs, access policies.
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.servicesHeld() == baseline + 600);
        assertThat(registry.heldWatches()).isEqualTo(200);

        CompletableFuture.allOf(watches.toArray(CompletableFuture[]::new))
                .orTimeout(20, TimeUnit.SECONDS)
                .join();

        assertThat(registry.heldWatches()).isZero();
        assertThat(registry.servicesHeld()).isEqualTo(baseline);
    }

    @Test
    void aWatchOfAServiceThatDoesNotExistYetIsWokenWhileOtherWatchesOfItComeAndGo() {
        final ServiceName payments = ServiceName.of("payments");
        final CompletableFuture<InstancesSnapshot> held = client.watch(payments, 0, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.heldWatches() == 1);

        // Short watches of the same name end around the held one: their end must not take away the entry the held
        // watch waits in, or the first registration would wake nobody.
        for (int round = 0; round < 20; round++) {
            final List<CompletableFuture<?>> shortWatches = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                shortWatches.add(client.watch(payments, 0, SHORT));
            }
            CompletableFuture.allOf(shortWatches.toArray(CompletableFuture[]::new))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();
        }
        assertThat(held).isNotDone();

        final long index = client.register(payments, InstanceId.of("payments-1"), REGISTRATION)
                .join();

        final InstancesSnapshot first = held.orTimeout(5, TimeUnit.SECONDS).join();
        assertThat(first.index()).isEqualTo(index);
        assertThat(first.instances()).hasSize(1);
        assertThat(registry.heldWatches()).isZero();
    }

    @Test
    void aServiceWhoseLastInstanceLeftKeepsItsIndex() {
        // Not an unknown name: its index is its history, which a watcher holding it must not see go back to 0.
        client.register(ORDERS, InstanceId.of("orders-1"), REGISTRATION).join();
        final long removed = client.deregister(ORDERS, InstanceId.of("orders-1"))
                .thenCompose(ignored -> client.instances(ORDERS))
                .join()
                .index();

        assertThat(client.watch(ORDERS, 0, SHORT).join().index()).isEqualTo(removed);
        assertThat(client.watch(ORDERS, removed, SHORT).join()).isEqualTo(new InstancesSnapshot(removed, List.of()));
    }
}
