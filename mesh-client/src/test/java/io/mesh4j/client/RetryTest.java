package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;
import com.linecorp.armeria.server.HttpService;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.internal.retry.RetryLayer;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.ClientRoles;

class RetryTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private static HttpService status(HttpStatus status) {
        return (ctx, req) -> HttpResponse.of(status);
    }

    /** Fails every other request it gets with {@code status}, starting with the first. */
    private static HttpService failingEveryOther(HttpStatus status) {
        final AtomicInteger count = new AtomicInteger();
        return (ctx, req) -> count.getAndIncrement() % 2 == 0 ? HttpResponse.of(status) : HttpResponse.of("ok");
    }

    @Test
    void eachRetryGoesToAFreshlyPickedEndpoint() {
        try (Backend failing = Backend.start(registry.client(), "orders", "a", status(HttpStatus.SERVICE_UNAVAILABLE));
                Backend healthy = Backend.start(registry.client(), "orders", "b", Backend.ok("b"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.roundRobin())
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 2);

            DiscoveryTest.sendAll(orders, 40);

            // Round robin alternates, so every call that started on "a" went on to "b": a retry that stayed on
            // "a" would have failed again, three times, and the call with it.
            assertThat(failing.hits.get()).isPositive();
            assertThat(healthy.hits.get()).isEqualTo(40);
        }
    }

    @Test
    void retriesA503ForEveryMethodIncludingPost() {
        try (Backend backend = Backend.start(
                        registry.client(), "orders", "a", failingEveryOther(HttpStatus.SERVICE_UNAVAILABLE));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            for (int i = 0; i < 10; i++) {
                assertThat(orders.post("/orders", "{}").aggregate().join().status())
                        .isEqualTo(HttpStatus.OK);
            }
            assertThat(backend.hits).hasValue(20);
        }
    }

    @Test
    void retriesOther5xxOnlyForIdempotentMethods() {
        try (Backend backend = Backend.start(
                        registry.client(), "orders", "a", failingEveryOther(HttpStatus.INTERNAL_SERVER_ERROR));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            assertThat(orders.get("/orders/1").aggregate().join().status()).isEqualTo(HttpStatus.OK);
            assertThat(backend.hits).hasValue(2);

            assertThat(orders.post("/orders", "{}").aggregate().join().status())
                    .isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
            assertThat(backend.hits).hasValue(3);
        }
    }

    @Test
    void retriesARefusedConnectionOnAnotherEndpoint() {
        try (Backend healthy = Backend.start(registry.client(), "orders", "healthy", Backend.ok("ok"));
                Backend dead = Backend.start(registry.client(), "orders", "dead", Backend.ok("never"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.roundRobin())
                        .build()) {
            dead.kill();
            final WebClient orders = connected(mesh, "orders", 2);

            for (int i = 0; i < 30; i++) {
                assertThat(orders.post("/orders", "{}").aggregate().join().status())
                        .isEqualTo(HttpStatus.OK);
            }
            assertThat(healthy.hits).hasValue(30);
        }
    }

    /** Sends a 200 and part of a body, then breaks the stream, as an instance killed mid-answer does. */
    private static HttpService breaksAfterHeaders() {
        return (ctx, req) -> {
            final HttpResponseWriter res = HttpResponse.streaming();
            res.write(ResponseHeaders.of(HttpStatus.OK));
            res.write(HttpData.ofUtf8("partial"));
            ctx.eventLoop().schedule(() -> res.abort(), 10, TimeUnit.MILLISECONDS);
            return res;
        };
    }

    @Test
    void retriesACallWhoseResponseBreaksAfterItsHeaders() {
        try (Backend breaking = Backend.start(registry.client(), "orders", "a", breaksAfterHeaders());
                Backend healthy = Backend.start(registry.client(), "orders", "b", Backend.ok("whole"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .balancer(Balancers.roundRobin())
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 2);

            for (int i = 0; i < 10; i++) {
                assertThat(orders.get("/").aggregate().join().contentUtf8()).isEqualTo("whole");
            }
            assertThat(breaking.hits.get()).isPositive();
        }
    }

    @Test
    void aStreamingCallIsRetriedOnlyOnWhatItsHeadersSay() {
        // The response breaks only once the caller has its headers, so that what is tested is the retry rule's
        // judgement of the headers, not how fast a loaded machine delivers them before the break.
        final CompletableFuture<Void> headersArrived = new CompletableFuture<>();
        try (Backend breaking = Backend.start(registry.client(), "orders", "a", (ctx, req) -> {
                    final HttpResponseWriter res = HttpResponse.streaming();
                    res.write(ResponseHeaders.of(HttpStatus.OK));
                    res.write(HttpData.ofUtf8("partial"));
                    headersArrived.thenRun(res::abort);
                    return res;
                });
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            final SplitHttpResponse response = orders.prepare()
                    .get("/events")
                    .attr(RetryLayer.STREAMING, true)
                    .execute()
                    .split();
            assertThat(response.headers().join().status()).isEqualTo(HttpStatus.OK);
            headersArrived.complete(null);
            assertThatThrownBy(() -> response.body().collect().join()).isInstanceOf(CompletionException.class);
            assertThat(breaking.hits).hasValue(1);
        }
    }

    @Test
    void theBudgetBoundsRetriesWhenEveryInstanceFailsAndHandsBackTheLastAnswer() {
        final RetryConfig noReserve = RetryConfig.builder()
                .maxAttempts(3)
                .budget(0.2, 0, Duration.ofSeconds(60))
                .build();
        try (Backend backend = Backend.start(registry.client(), "orders", "a", status(HttpStatus.SERVICE_UNAVAILABLE));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .defaultPolicy(ClientPolicy.builder().retry(noReserve).build())
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            for (int i = 0; i < 100; i++) {
                assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            }

            // Without a budget: 300 attempts. With 20% of 100 calls: 100 calls and at most 20 retries.
            assertThat(backend.hits.get()).isBetween(100, 120);
        }
    }

    @Test
    void theBudgetFollowsAPolicyReplacedAtRuntimeAndKeepsItsCounts() {
        final ServiceName service = ServiceName.of("orders");
        try (Backend backend = Backend.start(registry.client(), "orders", "a", status(HttpStatus.SERVICE_UNAVAILABLE));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            // The default policy: 3 attempts, paid from the reserve of 10 retries a second.
            assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            assertThat(backend.hits).hasValue(3);

            // The same attempts, but a budget of no retry at all: the failing call is answered after one attempt.
            final ClientPolicy noBudget = ClientPolicy.builder()
                    .retry(RetryConfig.builder()
                            .budget(0, 0, Duration.ofSeconds(10))
                            .build())
                    .build();
            mesh.policies().replace(service, noBudget);
            assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            assertThat(backend.hits).hasValue(4);

            // Back to the default: its reserve pays for retries again.
            mesh.policies().reset(service);
            assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            assertThat(backend.hits).hasValue(7);
        }
    }

    @Test
    void theBudgetReserveLetsAQuietClientRetry() {
        try (Backend backend = Backend.start(
                        registry.client(), "orders", "a", failingEveryOther(HttpStatus.SERVICE_UNAVAILABLE));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = connected(mesh, "orders", 1);

            // One call has deposited a fifth of a retry; the reserve of 10/s pays for its retry.
            assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.OK);
            assertThat(backend.hits).hasValue(2);
        }
    }

    @Test
    void aFrozenInstanceCostsNoIdempotentCallAndItsCallsMoveOnLongBeforeTheTimeout() throws Exception {
        final AtomicBoolean frozen = new AtomicBoolean();
        final AtomicInteger stalled = new AtomicInteger();
        try (Backend healthy = Backend.start(registry.client(), "orders", "healthy", Backend.ok("ok"));
                Backend freezing = Backend.start(registry.client(), "orders", "freezing", (ctx, req) -> {
                    if (frozen.get()) {
                        // Never answers, as a process stopped with SIGSTOP does not: the connection stays open.
                        stalled.incrementAndGet();
                        return HttpResponse.of(new CompletableFuture<HttpResponse>());
                    }
                    return HttpResponse.of("ok");
                });
                // The default client: its policy's 10 s timeout, its retries, its balancer and breakers.
                MeshClient mesh = MeshClient.builder(registry.uri()).plaintext().build()) {
            final WebClient orders = connected(mesh, "orders", 2);
            // The client learns how long the service usually takes.
            DiscoveryTest.sendAll(orders, 200);

            frozen.set(true);
            final Timed timed = new Timed();
            // Until a few calls have met the frozen instance, within a bound of time rather than of calls: the
            // balancer keeps a failed instance out for a second or two, and how many calls that is depends on
            // how fast this machine is.
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((stalled.get() < 3 || timed.calls.get() < 300) && System.nanoTime() < deadline) {
                timed.send(orders, 100, 8);
            }

            assertThat(stalled.get()).as("calls that met the frozen instance").isGreaterThanOrEqualTo(3);
            assertThat(timed.failures).as("failed calls").isEmpty();
            assertThat(Duration.ofNanos(timed.slowestNanos.get()))
                    .as("the slowest call, against a timeout of 10 s")
                    .isLessThan(Duration.ofSeconds(3));
        }
    }

    /** GETs with a fixed number in flight: how they ended, and how long the slowest took. */
    private static final class Timed {
        final AtomicInteger calls = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong slowestNanos = new AtomicLong();

        void send(WebClient client, int total, int concurrency) throws InterruptedException {
            final Semaphore inFlight = new Semaphore(concurrency);
            final CompletableFuture<?>[] sent = new CompletableFuture<?>[total];
            for (int i = 0; i < total; i++) {
                inFlight.acquire();
                final long start = System.nanoTime();
                calls.incrementAndGet();
                sent[i] = client.get("/").aggregate().handle((res, cause) -> {
                    slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    if (cause != null) {
                        failures.add(cause.toString());
                    } else if (!res.status().isSuccess()) {
                        failures.add(res.status().toString());
                    }
                    inFlight.release();
                    return null;
                });
            }
            CompletableFuture.allOf(sent).join();
        }
    }

    static WebClient connected(MeshClient mesh, String service, int instances) {
        final WebClient client = mesh.webClient(service);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.endpoints(ServiceName.of(service)).size() == instances);
        return client;
    }
}
