package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.HedgeSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;

/**
 * Hedging against a service with one slow instance: the p99 with hedging, as a share of the p99 without, in the
 * same test.
 */
class HedgingTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");
    private static final Duration SLOW = Duration.ofMillis(200);

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    /** The latencies of {@code n} calls made one after another, sorted. */
    private static List<Long> latencies(WebClient client, int n) {
        final List<Long> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final long start = System.nanoTime();
            final AggregatedHttpResponse res =
                    client.get("/orders/" + i).aggregate().join();
            assertThat(res.status()).isEqualTo(HttpStatus.OK);
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        millis.sort(null);
        return millis;
    }

    private static long p99(List<Long> sorted) {
        return sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    }

    @Test
    void hedgingCutsTheP99OfAServiceWithOneSlowInstance() {
        final AtomicInteger cancelled = new AtomicInteger();
        try (Backend fast = Backend.start(registry.client(), "orders", "fast", Backend.ok("fast"));
                Backend slow = Backend.start(registry.client(), "orders", "slow", (ctx, req) -> {
                    ctx.log().whenComplete().thenAccept(log -> {
                        if (log.responseCause() != null) {
                            cancelled.incrementAndGet();
                        }
                    });
                    return HttpResponse.delayed(HttpResponse.of("slow"), SLOW);
                });
                // Round robin, so that half the calls start on the slow instance whatever it has learnt: the tail
                // is the balancer's blind spot that hedging is for.
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.roundRobin())
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);

            final List<Long> without = latencies(orders, 60);

            final RouteConfig hedged = new RouteConfig(List.of(RouteRule.builder("hedged")
                    .hedge(new HedgeSpec(Duration.ofMillis(30), null, 2))
                    .build()));
            registry.admin().putRoutes(ORDERS, hedged).join();
            await().atMost(Duration.ofSeconds(1))
                    .until(() -> mesh.routeConfig(ORDERS).equals(hedged));
            final int slowHitsBefore = slow.hits.get();
            final List<Long> with = latencies(orders, 60);

            final double ratio = (double) p99(with) / p99(without);
            System.out.printf("p99 without hedging %d ms, with %d ms: ratio %.2f%n", p99(without), p99(with), ratio);
            assertThat(p99(without)).isGreaterThanOrEqualTo(SLOW.toMillis());
            assertThat(ratio).as("p99 with hedging / p99 without").isLessThan(0.5);
            assertThat(slow.hits.get() - slowHitsBefore)
                    .as("calls still start on the slow instance")
                    .isPositive();
            // The losers are cancelled rather than left to finish: the slow instance hears so.
            await().atMost(Duration.ofSeconds(2))
                    .untilAsserted(() ->
                            assertThat(cancelled.get()).isGreaterThanOrEqualTo(slow.hits.get() - slowHitsBefore - 1));
        }
    }

    @Test
    void hedgesArePaidFromTheRetryBudgetAndStopWhenItIsSpent() {
        final Duration slowish = Duration.ofMillis(100);
        try (Backend slow1 = Backend.start(registry.client(), "orders", "slow-1", Backend.slow("a", slowish));
                Backend slow2 = Backend.start(registry.client(), "orders", "slow-2", Backend.slow("b", slowish));
                // A budget of a tenth of the calls, with no reserve.
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .defaultPolicy(ClientPolicy.builder()
                                .retry(RetryConfig.builder()
                                        .budget(0.1, 0, Duration.ofSeconds(10))
                                        .build())
                                .build())
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);
            final RouteConfig hedged = new RouteConfig(List.of(RouteRule.builder("hedged")
                    .hedge(new HedgeSpec(Duration.ofMillis(10), null, 2))
                    .build()));
            registry.admin().putRoutes(ORDERS, hedged).join();
            await().atMost(Duration.ofSeconds(1))
                    .until(() -> mesh.routeConfig(ORDERS).equals(hedged));

            // Every call is slow everywhere: without the budget each would be sent twice.
            final int calls = 40;
            latencies(orders, calls);

            final int hedges = slow1.hits.get() + slow2.hits.get() - calls;
            assertThat(hedges)
                    .as("hedges sent for %d calls with a budget of 10%%", calls)
                    .isBetween(1, calls / 10);
        }
    }
}
