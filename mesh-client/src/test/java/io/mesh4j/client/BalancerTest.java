package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.ClientRoles;

class BalancerTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void defaultBalancerSendsATenTimesSlowerInstanceClearlyLessThanHalf() throws Exception {
        try (Backend fast =
                        Backend.start(registry.client(), "orders", "fast", Backend.slow("f", Duration.ofMillis(5)));
                Backend slow =
                        Backend.start(registry.client(), "orders", "slow", Backend.slow("s", Duration.ofMillis(50)));
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient orders = connected(mesh, 2);

            final Load load = Load.send(orders, 600, 8);

            assertThat(load.failures).isEmpty();
            final double slowShare = slow.hits.get() / 600.0;
            assertThat(slowShare).as("share of the slow instance").isLessThan(0.25);
            assertThat(slow.hits.get()).as("the slow instance is still probed").isPositive();
        }
    }

    @Test
    void theDefaultBalancerRetriesOnAnInstanceTheCallHasNotTriedEvenWhenTheFailedOneLooksLighter() {
        // The failing instance answers at once, the healthy one takes 50 ms: by load alone, every retry would go
        // back to the failing one and the call would fail three times there.
        try (Backend failing = Backend.start(
                        registry.client(),
                        "orders",
                        "failing",
                        (ctx, req) -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE));
                Backend healthy = Backend.start(
                        registry.client(), "orders", "healthy", Backend.slow("ok", Duration.ofMillis(50)));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, 2);

            DiscoveryTest.sendAll(orders, 20);

            assertThat(failing.hits.get())
                    .as("calls that started on the failing instance")
                    .isPositive();
            assertThat(healthy.hits.get()).isEqualTo(20);
        }
    }

    @Test
    void roundRobinTakesEachInstanceInTurn() throws Exception {
        try (Backend a = Backend.start(registry.client(), "orders", "a", Backend.ok("a"));
                Backend b = Backend.start(registry.client(), "orders", "b", Backend.ok("b"));
                Backend c = Backend.start(registry.client(), "orders", "c", Backend.ok("c"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.roundRobin())
                        .build()) {
            final WebClient orders = connected(mesh, 3);

            DiscoveryTest.sendAll(orders, 300);

            assertThat(a.hits).hasValue(100);
            assertThat(b.hits).hasValue(100);
            assertThat(c.hits).hasValue(100);
        }
    }

    @Test
    void randomSpreadsCallsOverEveryInstance() throws Exception {
        try (Backend a = Backend.start(registry.client(), "orders", "a", Backend.ok("a"));
                Backend b = Backend.start(registry.client(), "orders", "b", Backend.ok("b"));
                Backend c = Backend.start(registry.client(), "orders", "c", Backend.ok("c"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.random())
                        .build()) {
            final WebClient orders = connected(mesh, 3);

            DiscoveryTest.sendAll(orders, 600);

            // 200 expected each; the bounds are over 8 standard deviations wide, so chance never fails this.
            assertThat(a.hits.get()).isBetween(100, 300);
            assertThat(b.hits.get()).isBetween(100, 300);
            assertThat(c.hits.get()).isBetween(100, 300);
        }
    }

    @Test
    void weightedRoundRobinFollowsRegisteredWeights() throws Exception {
        try (Backend light = Backend.start(registry.client(), "orders", "light", 100, Backend.ok("l"));
                Backend heavy = Backend.start(registry.client(), "orders", "heavy", 300, Backend.ok("h"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.weightedRoundRobin())
                        .build()) {
            final WebClient orders = connected(mesh, 2);

            DiscoveryTest.sendAll(orders, 400);

            assertThat(heavy.hits.get() / 400.0).isCloseTo(0.75, within(0.02));
            assertThat(light.hits.get() / 400.0).isCloseTo(0.25, within(0.02));
        }
    }

    /** Returns the client of orders once it knows {@code instances} instances. */
    private static WebClient connected(MeshClient mesh, int instances) {
        final WebClient client = mesh.webClient("orders");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.endpoints(ServiceName.of("orders")).size() == instances);
        return client;
    }
}
