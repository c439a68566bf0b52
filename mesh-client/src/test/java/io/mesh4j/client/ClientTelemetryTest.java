package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;

import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.Propagation;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * The outbound TRACING and METRICS layers, and the counters of what the client does below them, against real
 * backends found through a real registry.
 */
class ClientTelemetryTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
            .serviceName("frontend")
            .spanExporter(spans)
            .build());
    private final Queue<String> traceparents = new ConcurrentLinkedQueue<>();

    @AfterEach
    void close() {
        telemetry.close();
    }

    /** Fails every other request with 503, starting with the first, and keeps the traceparent of each. */
    private HttpService failingEveryOther() {
        final AtomicInteger count = new AtomicInteger();
        return (ctx, req) -> {
            traceparents.add(req.headers().get("traceparent", "none"));
            return count.getAndIncrement() % 2 == 0
                    ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                    : HttpResponse.of("ok");
        };
    }

    @Test
    void aCallThatRetriesIsOneClientSpanWithItsAttemptsAsEvents() {
        try (Backend backend = Backend.start(registry.client(), "orders", "orders-1", failingEveryOther());
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            assertThat(orders.get("/orders/42").aggregate().join().status()).isEqualTo(HttpStatus.OK);

            final SpanData span = onlySpan();
            assertThat(span.getName()).isEqualTo("GET");
            assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(span.getParentSpanContext().isValid())
                    .as("a call from no request starts a trace")
                    .isFalse();
            assertThat(span.getAttributes().get(HttpAttributes.PEER_SERVICE)).isEqualTo("orders");
            assertThat(span.getAttributes().get(HttpAttributes.HTTP_REQUEST_METHOD))
                    .isEqualTo("GET");
            assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
                    .isEqualTo(200L);
            assertThat(span.getAttributes().get(HttpAttributes.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
            assertThat(span.getAttributes().get(HttpAttributes.SERVER_PORT)).isEqualTo((long) backend.port());
            assertThat(span.getAttributes().get(HttpAttributes.HTTP_REQUEST_RESEND_COUNT))
                    .isEqualTo(1L);
            final List<EventData> attempts = span.getEvents();
            assertThat(attempts).extracting(EventData::getName).containsExactly("attempt", "attempt");
            assertThat(attempts.get(0).getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
                    .isEqualTo(503L);
            assertThat(attempts.get(1).getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
                    .isEqualTo(200L);
            assertThat(attempts.get(1).getAttributes().get(HttpAttributes.MESH_INSTANCE))
                    .isEqualTo("orders-1");

            // Both attempts carry the one client span as their parent.
            final String expected = "00-" + span.getTraceId() + '-' + span.getSpanId() + "-01";
            assertThat(traceparents).containsExactly(expected, expected);
        }
    }

    @Test
    void eachCallsOneAttemptSaysItsOwnStatusWhenTheSameInstanceAnswersDifferently() {
        final AtomicInteger count = new AtomicInteger();
        final HttpStatus[] answers = {HttpStatus.OK, HttpStatus.NOT_FOUND, HttpStatus.OK};
        try (Backend backend = Backend.start(
                        registry.client(),
                        "orders",
                        "orders-1",
                        (ctx, req) -> HttpResponse.of(answers[count.getAndIncrement() % answers.length]));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);
            for (int i = 0; i < answers.length; i++) {
                orders.get("/orders/" + i).aggregate().join();
            }

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> spans.getFinishedSpanItems().size() == answers.length);
            final List<SpanData> calls = spans.getFinishedSpanItems().stream()
                    .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                    .toList();
            for (int i = 0; i < answers.length; i++) {
                final List<EventData> attempts = calls.get(i).getEvents();
                assertThat(attempts).extracting(EventData::getName).containsExactly("attempt");
                final Attributes attempt = attempts.get(0).getAttributes();
                assertThat(attempt.get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
                        .as("call %d", i)
                        .isEqualTo((long) answers[i].code());
                assertThat(attempt.get(HttpAttributes.MESH_ATTEMPT)).isEqualTo(1L);
                assertThat(attempt.get(HttpAttributes.MESH_INSTANCE)).isEqualTo("orders-1");
                assertThat(attempt.get(HttpAttributes.SERVER_PORT)).isEqualTo((long) backend.port());
            }
        }
    }

    @Test
    void aCallThatNamesItsRouteTemplateIsNamedAndCountedByIt() {
        try (Backend backend = Backend.start(registry.client(), "orders", "orders-1", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            orders.prepare()
                    .get("/orders/42")
                    .attr(MeshTelemetry.ROUTE, "/orders/{id}")
                    .execute()
                    .aggregate()
                    .join();
            orders.get("/orders/43").aggregate().join();

            assertThat(spans.getFinishedSpanItems())
                    .extracting(SpanData::getName)
                    .containsExactlyInAnyOrder("GET /orders/{id}", "GET");
            assertThat(requests("orders", "/orders/{id}", "success")).isOne();
            assertThat(requests("orders", "unmatched", "success")).isOne();
        }
    }

    @Test
    void theCallContinuesTheSpanCurrentOnTheCallingThread() {
        try (Backend backend = Backend.start(registry.client(), "orders", "orders-1", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);
            final Span checkout = telemetry.tracer().spanBuilder("checkout").startSpan();
            try (Scope ignored = checkout.makeCurrent()) {
                orders.get("/").aggregate().join();
            } finally {
                checkout.end();
            }

            final SpanData client = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getKind() == SpanKind.CLIENT)
                    .findFirst()
                    .orElseThrow();
            assertThat(client.getTraceId()).isEqualTo(checkout.getSpanContext().getTraceId());
            assertThat(client.getParentSpanId())
                    .isEqualTo(checkout.getSpanContext().getSpanId());
        }
    }

    @Test
    void b3IsWrittenWhenSelected() {
        final Queue<String> b3 = new ConcurrentLinkedQueue<>();
        try (MeshTelemetry b3Telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                        .spanExporter(spans)
                        .inject(Propagation.B3_MULTI)
                        .build());
                Backend backend = Backend.start(registry.client(), "orders", "orders-1", (ctx, req) -> {
                    b3.add(req.headers().get("x-b3-traceid", "none")
                            + ' '
                            + req.headers().get("traceparent", "none"));
                    return HttpResponse.of("ok");
                });
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(b3Telemetry)
                        .build()) {
            RetryTest.connected(mesh, "orders", 1).get("/").aggregate().join();

            assertThat(b3).containsExactly(onlySpan().getTraceId() + " none");
        }
    }

    @Test
    void aFailedCallIsAnErrorSpanAndCountsByTheSharedClassifier() {
        final RetryConfig noRetryBudget = RetryConfig.builder()
                .maxAttempts(3)
                .budget(0, 0, Duration.ofSeconds(60))
                .build();
        try (Backend backend = Backend.start(
                        registry.client(),
                        "orders",
                        "orders-1",
                        (ctx, req) -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .defaultPolicy(
                                ClientPolicy.builder().retry(noRetryBudget).build())
                        .stack(s -> s.remove(ClientRoles.BREAKER))
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 1);

            for (int i = 0; i < 5; i++) {
                assertThat(orders.get("/").aggregate().join().status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            }

            assertThat(requests("orders", "unmatched", "retryable_failure")).isEqualTo(5);
            assertThat(counter("mesh.client.retry.budget.exhausted", "service", "orders"))
                    .isEqualTo(5);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> spans.getFinishedSpanItems().size() == 5);
            final SpanData span = spans.getFinishedSpanItems().get(0);
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(span.getAttributes().get(HttpAttributes.ERROR_TYPE)).isEqualTo("503");
        }
    }

    @Test
    void retriesPicksAndBreakerTransitionsAreCountedPerEndpoint() {
        final BreakerConfig quickToOpen = BreakerConfig.builder()
                .slidingWindow(10, 5)
                .openDuration(Duration.ofMinutes(1))
                .build();
        try (Backend flaky = Backend.start(
                        registry.client(),
                        "orders",
                        "flaky",
                        (ctx, req) -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR));
                Backend healthy = Backend.start(registry.client(), "orders", "healthy", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .balancer(Balancers.roundRobin())
                        .defaultPolicy(
                                ClientPolicy.builder().breaker(quickToOpen).build())
                        .build()) {
            final WebClient orders = RetryTest.connected(mesh, "orders", 2);

            DiscoveryTest.sendAll(orders, 20);

            assertThat(counter("mesh.client.breaker.transitions", "endpoint", "flaky"))
                    .isOne();
            assertThat(registry()
                            .find("mesh.client.breaker.transitions")
                            .tag("from", "CLOSED")
                            .tag("to", "OPEN")
                            .counter())
                    .isNotNull();
            final double flakyPicks = counter("mesh.client.balancer.picks", "endpoint", "flaky");
            final double healthyPicks = counter("mesh.client.balancer.picks", "endpoint", "healthy");
            // A pick the breaker refused (as it opened) reached no backend: picks, not hits, are what retried.
            assertThat(flakyPicks).isGreaterThanOrEqualTo(flaky.hits.get()).isPositive();
            assertThat(healthyPicks).isEqualTo(20);
            assertThat(counter("mesh.client.retries", "service", "orders")).isEqualTo(flakyPicks);
            assertThat(requests("orders", "unmatched", "success")).isEqualTo(20);
        }
    }

    @Test
    void theAdminViewOfTheMetricsIsPrometheusText() {
        try (Backend backend = Backend.start(registry.client(), "orders", "orders-1", Backend.ok("ok"));
                MeshClient mesh = MeshClient.builder(registry.uri())
                        .plaintext()
                        .telemetry(telemetry)
                        .build()) {
            RetryTest.connected(mesh, "orders", 1).get("/").aggregate().join();

            assertThat(telemetry.scrape())
                    .contains("mesh_client_requests_seconds_count{method=\"GET\",outcome=\"success\","
                            + "route=\"unmatched\",service=\"orders\",status=\"200\"} 1")
                    .contains("mesh_client_requests_seconds_bucket{")
                    .contains("mesh_client_balancer_picks_total{endpoint=\"orders-1\",service=\"orders\"} 1");
        }
    }

    private SpanData onlySpan() {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !spans.getFinishedSpanItems().isEmpty());
        assertThat(spans.getFinishedSpanItems()).hasSize(1);
        return spans.getFinishedSpanItems().get(0);
    }

    private MeterRegistry registry() {
        return telemetry.meterRegistry();
    }

    /** Calls recorded once their log completed, which may be a moment after the caller got the response. */
    private long requests(String service, String route, String outcome) {
        final var timer = registry()
                .find("mesh.client.requests")
                .tag("service", service)
                .tag("route", route)
                .tag("outcome", outcome)
                .timer();
        return timer != null ? timer.count() : 0;
    }

    private double counter(String name, String tag, String value) {
        final var counter = registry().find(name).tag(tag, value).counter();
        return counter != null ? counter.count() : 0;
    }
}
