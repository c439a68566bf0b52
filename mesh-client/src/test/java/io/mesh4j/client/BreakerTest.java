package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.EventProcessor;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.ServiceName;

class BreakerTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void ejectsAnEndpointWhoseBreakerOpensAndRetriesElsewhereMeanwhile() {
        final AtomicBoolean broken = new AtomicBoolean(true);
        final BreakerConfig quickToOpen = BreakerConfig.builder()
                .slidingWindow(10, 5)
                .openDuration(Duration.ofMinutes(1))
                .build();
        try (Backend flaky = Backend.start(
                        registry.client(),
                        "orders",
                        "flaky",
                        (ctx, req) -> broken.get()
                                ? HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR)
                                : HttpResponse.of("ok"));
                Backend healthy = Backend.start(registry.client(), "orders", "healthy", Backend.ok("ok"));
                MeshClient mesh = roundRobin(quickToOpen)) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);

            DiscoveryTest.sendAll(orders, 20);

            final Endpoint flakyEndpoint = Endpoint.of("127.0.0.1", flaky.port());
            assertThat(mesh.ejected(ORDERS)).containsExactly(flakyEndpoint);
            final int flakyHits = flaky.hits.get();
            assertThat(flakyHits).isBetween(5, 10);

            DiscoveryTest.sendAll(orders, 50);
            assertThat(flaky.hits).as("an ejected endpoint gets nothing").hasValue(flakyHits);
            assertThat(healthy.hits.get()).isEqualTo(70);
        }
    }

    @Test
    void anEjectedEndpointReturnsOnceItsTrialCallsSucceed() {
        final AtomicBoolean broken = new AtomicBoolean(true);
        final BreakerConfig shortOpen = BreakerConfig.builder()
                .slidingWindow(10, 5)
                .trialCalls(2)
                .openDuration(Duration.ofMillis(300))
                .build();
        try (Backend flaky = Backend.start(
                        registry.client(),
                        "orders",
                        "flaky",
                        (ctx, req) -> broken.get()
                                ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                                : HttpResponse.of("ok"));
                Backend healthy = Backend.start(registry.client(), "orders", "healthy", Backend.ok("ok"));
                MeshClient mesh = roundRobin(shortOpen)) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            DiscoveryTest.sendAll(orders, 20);
            assertThat(mesh.ejected(ORDERS)).hasSize(1);

            broken.set(false);

            final CircuitBreaker breaker = breakerOf(mesh, Endpoint.of("127.0.0.1", flaky.port()));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                DiscoveryTest.sendAll(orders, 5);
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            });
            final int before = flaky.hits.get();
            DiscoveryTest.sendAll(orders, 20);
            assertThat(flaky.hits.get() - before).isEqualTo(10);
        }
    }

    @Test
    void aChangeMadeThroughResilience4jsApiIsObservedWithoutAnEventPerAttempt() {
        final BreakerConfig shortOpen = BreakerConfig.builder()
                .slidingWindow(10, 5)
                .trialCalls(1)
                .openDuration(Duration.ofMillis(300))
                .build();
        try (Backend first = Backend.start(registry.client(), "orders", "first", Backend.ok("ok"));
                Backend second = Backend.start(registry.client(), "orders", "second", Backend.ok("ok"));
                MeshClient mesh = roundRobin(shortOpen)) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            DiscoveryTest.sendAll(orders, 10);
            final Endpoint firstEndpoint = Endpoint.of("127.0.0.1", first.port());
            final CircuitBreaker breaker = breakerOf(mesh, firstEndpoint);
            // No consumer on resilience4j's publisher: any consumer there, even of transitions only, makes it build
            // an event for every successful attempt.
            assertThat(((EventProcessor<?>) breaker.getEventPublisher()).hasConsumers())
                    .as("consumers of the breaker's events")
                    .isFalse();

            // Opened by hand: ejected at once, as if its calls had opened it.
            breaker.transitionToOpenState();
            assertThat(mesh.ejected(ORDERS)).containsExactly(firstEndpoint);
            final int firstHits = first.hits.get();
            DiscoveryTest.sendAll(orders, 10);
            assertThat(first.hits).as("an endpoint opened by hand gets nothing").hasValue(firstHits);

            // Half-open once its open period has passed (the breaker's own timer, observed), closed by its trial.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                DiscoveryTest.sendAll(orders, 2);
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            });
            assertThat(mesh.ejected(ORDERS)).isEmpty();
        }
    }

    /** The breaker of {@code endpoint} of the client's {@code orders}, as resilience4j's API. */
    private static CircuitBreaker breakerOf(MeshClient mesh, Endpoint endpoint) {
        return ClientAccess.INTERNALS
                .get(mesh)
                .endpoints()
                .apply(ORDERS)
                .orElseThrow()
                .breakers()
                .breakerOf(endpoint);
    }

    /** A client that takes turns over the endpoints, with {@code breaker}'s thresholds. */
    private MeshClient roundRobin(BreakerConfig breaker) {
        return MeshClient.builder(registry.uri())
                .plaintext()
                .balancer(Balancers.roundRobin())
                .defaultPolicy(ClientPolicy.builder().breaker(breaker).build())
                .build();
    }
}
