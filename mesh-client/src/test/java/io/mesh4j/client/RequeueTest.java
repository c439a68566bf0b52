package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.mesh4j.client.balancer.Balancer;
import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.discovery.ServiceName;

/**
 * A call is not failed by breakers that refuse its attempts while another endpoint could take it (CHAOS.md, finding
 * 1): one of four endpoints is half-open, one trial answered and the other held in flight, as a partition holds it.
 */
class RequeueTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    /** Two trials per half-open period; one attempt per call, so that a single refused attempt would fail it. */
    private static final ClientPolicy ONE_ATTEMPT = ClientPolicy.builder()
            .breaker(BreakerConfig.builder()
                    .trialCalls(2)
                    .openDuration(Duration.ofMinutes(5))
                    .build())
            .retry(RetryConfig.builder().maxAttempts(1).build())
            .build();

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void theDefaultBalancerPassesOverAHalfOpenEndpointWhoseTrialsAreTaken() {
        assertNoCallFails(Balancers.p2cPeakEwma(), true);
    }

    @Test
    void aRefusedAttemptIsRequeuedToAnotherEndpointWithoutSpendingTheCallsAttempts() {
        // A balancer of the user's own that knows nothing of breakers: every fourth pick is the refusing endpoint.
        final EndpointSelectionStrategy roundRobin = EndpointSelectionStrategy.roundRobin();
        final BalancerFactory blind = params -> new Balancer() {
            @Override
            public EndpointSelectionStrategy selectionStrategy() {
                return roundRobin;
            }
        };
        assertNoCallFails(blind, false);
    }

    @Test
    void aCallStillFailsFastWithTheBreakersRefusalWhenEveryEndpointRefuses() {
        try (Backend only = Backend.start(registry.client(), "orders", "only", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .defaultPolicy(ONE_ATTEMPT)
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);
            DiscoveryTest.sendAll(orders, 3);
            breakerOf(mesh, only).transitionToOpenState();

            final long start = System.nanoTime();
            final Throwable failure =
                    orders.get("/").aggregate().handle((r, e) -> e).join();
            assertThat(failure).hasRootCauseInstanceOf(CallNotPermittedException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            assertThat(only.hits).hasValue(3);
        }
    }

    /**
     * @param asksBreakers whether the balancer passes over endpoints whose breaker would refuse: then not even an
     *     attempt is refused
     */
    private void assertNoCallFails(BalancerFactory balancer, boolean asksBreakers) {
        final CompletableFuture<HttpResponse> held = new CompletableFuture<>();
        final AtomicInteger trials = new AtomicInteger();
        // Slow while the trials are being drawn, so that a load-aware balancer offers them to the half-open endpoint
        // (it answers its first trial at once) rather than keeping off it until the test times out.
        final AtomicBoolean slow = new AtomicBoolean(true);
        final HttpService healthy = (ctx, req) ->
                slow.get() ? HttpResponse.delayed(HttpResponse.of("ok"), Duration.ofMillis(50)) : HttpResponse.of("ok");
        try (Backend partitioned = Backend.start(
                        registry.client(),
                        "orders",
                        "partitioned",
                        (ctx, req) -> trials.incrementAndGet() == 1
                                ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                                : HttpResponse.of(held));
                Backend a = Backend.start(registry.client(), "orders", "a", healthy);
                Backend b = Backend.start(registry.client(), "orders", "b", healthy);
                Backend c = Backend.start(registry.client(), "orders", "c", healthy);
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(balancer)
                        .defaultPolicy(ONE_ATTEMPT)
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 4);
            final CircuitBreaker breaker = breakerOf(mesh, partitioned);
            // Opened, then half-open; the endpoint's handler counts trials from here.
            breaker.transitionToOpenState();
            breaker.transitionToHalfOpenState();
            partitioned.hits.set(0);

            // POSTs, which no attempt timeout cuts, until one trial has answered 503 and the other hangs.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                orders.post("/", "x").aggregate();
                assertThat(partitioned.hits).hasValue(2);
            });
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> breaker.getMetrics().getNumberOfBufferedCalls() == 1);
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
            slow.set(false);

            final long refusedBefore = breaker.getMetrics().getNumberOfNotPermittedCalls();
            final List<Throwable> failed = new ArrayList<>();
            if (asksBreakers) {
                // Concurrent: the balancer itself must keep off the endpoint, whatever else is being picked.
                final List<CompletableFuture<AggregatedHttpResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    calls.add(orders.get("/").aggregate());
                }
                for (CompletableFuture<AggregatedHttpResponse> call : calls) {
                    call.handle((r, e) -> e != null ? failed.add(e) : null).join();
                }
            } else {
                // One at a time: a blind round robin then lands on the refusing endpoint every fourth call, and the
                // requeue's pick is the next endpoint. (Concurrent calls would interleave their picks, and a call's
                // 1 + 3 picks could all land on it: requeues are bounded, a blind balancer's luck is not.)
                for (int i = 0; i < 40; i++) {
                    orders.get("/")
                            .aggregate()
                            .handle((r, e) -> e != null ? failed.add(e) : null)
                            .join();
                }
                assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls() - refusedBefore)
                        .as("attempts the blind balancer sent to the refusing endpoint, each requeued")
                        .isGreaterThanOrEqualTo(9);
            }
            assertThat(failed).as("calls failed on the breaker's refusals").isEmpty();
            if (asksBreakers) {
                assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls())
                        .as("attempts the balancer sent to a breaker that refused them")
                        .isEqualTo(refusedBefore);
            }
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
            assertThat(partitioned.hits)
                    .as("the half-open endpoint got nothing past its trials")
                    .hasValue(2);
        } finally {
            held.complete(HttpResponse.of("late"));
        }
    }

    private static CircuitBreaker breakerOf(MeshClient mesh, Backend backend) {
        return ClientAccess.INTERNALS
                .get(mesh)
                .endpoints()
                .apply(ORDERS)
                .orElseThrow()
                .breakers()
                .breakerOf(Endpoint.of("127.0.0.1", backend.port()));
    }
}
