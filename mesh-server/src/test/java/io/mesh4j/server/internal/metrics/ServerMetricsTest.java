package io.mesh4j.server.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.server.ServerStacks;
import io.micrometer.core.instrument.Timer;

class ServerMetricsTest {

    private static final int MAX_LABEL_VALUES = 20;

    private static final MeshTelemetry telemetry = MeshTelemetry.of(
            TelemetryConfig.builder().maxLabelValues(MAX_LABEL_VALUES).build());

    /**
     * A plain Armeria server rather than armeria-junit5's extension, which keeps every request context it serves
     * for its captor: 100,000 of them would hide what this test looks for.
     */
    private static Server server;

    @BeforeAll
    static void start() {
        final ServerBuilder sb = Server.builder().http(0);
        sb.service("/items/{id}", (ctx, req) -> HttpResponse.of("item " + ctx.pathParam("id")));
        sb.service("/unavailable", (ctx, req) -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE));
        sb.service("/broken", (ctx, req) -> HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR));
        sb.decorator(ServerStacks.defaults()
                .decorator(StackParams.empty()
                        .with(CommonParams.SERVICE, ServiceName.of("orders"))
                        .with(MeshTelemetry.KEY, telemetry)));
        server = sb.build();
        server.start().join();
    }

    @AfterAll
    static void close() {
        server.stop().join();
        telemetry.close();
    }

    private static String uri() {
        return "http://127.0.0.1:" + server.activeLocalPort();
    }

    private static long requests(String route, String outcome, String peer) {
        final Timer timer = telemetry
                .meterRegistry()
                .find("mesh.server.requests")
                .tag("service", "orders")
                .tag("route", route)
                .tag("outcome", outcome)
                .tag("peer", peer)
                .timer();
        return timer != null ? timer.count() : 0;
    }

    @Test
    void requestsAreCountedByRouteTemplateOutcomeAndCaller() {
        final WebClient client = WebClient.of(uri());
        for (int i = 0; i < 3; i++) {
            client.prepare()
                    .get("/items/" + i)
                    .header(MeshTelemetry.CALLER_HEADER, "frontend")
                    .execute()
                    .aggregate()
                    .join();
        }
        client.get("/unavailable").aggregate().join();
        client.post("/broken", "").aggregate().join();
        client.prepare()
                .get("/items/9")
                .header(MeshTelemetry.CALLER_HEADER, "Not A Service!")
                .execute()
                .aggregate()
                .join();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(requests("/items/:id", "success", "frontend")).isEqualTo(3);
            assertThat(requests("/items/:id", "success", "unknown")).isEqualTo(1);
            assertThat(requests("/unavailable", "retryable_failure", "unknown")).isEqualTo(1);
            assertThat(requests("/broken", "failure", "unknown"))
                    .as("a POST that failed with 500")
                    .isEqualTo(1);
        });
        assertThat(telemetry.scrape())
                .contains("mesh_server_requests_seconds_bucket{method=\"GET\",outcome=\"success\",peer=\"frontend\","
                        + "route=\"/items/:id\",service=\"orders\",status=\"200\",le=\"0.005\"}");
    }

    @Test
    void interleavedCallersOfOneRouteAreEachCountedInTheirOwnSeries() {
        // The layer keeps a route's last series: a request of another series must not be counted in it.
        final WebClient client = WebClient.of(uri());
        for (String caller : new String[] {"alpha", "beta", "alpha", "beta", "beta"}) {
            client.prepare()
                    .get("/items/1")
                    .header(MeshTelemetry.CALLER_HEADER, caller)
                    .execute()
                    .aggregate()
                    .join();
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(requests("/items/:id", "success", "alpha")).isEqualTo(2);
            assertThat(requests("/items/:id", "success", "beta")).isEqualTo(3);
        });
    }

    @Test
    void oneHundredThousandDistinctPathsAndCallersLeaveMemoryFlat() throws Exception {
        final WebClient client = WebClient.builder(uri()).maxResponseLength(0).build();
        send(client, 0, 2_000);
        final int metersBefore = telemetry.meterRegistry().getMeters().size();
        final int scrapeBefore = telemetry.scrape().length();
        final long heapBefore = usedHeapAfterGc();

        send(client, 2_000, 100_000);

        final int metersAfter = telemetry.meterRegistry().getMeters().size();
        final String scrape = telemetry.scrape();
        assertThat(metersAfter).as("meters after 100,000 distinct paths").isEqualTo(metersBefore);
        // Only the counts' digits may grow.
        assertThat(scrape.length()).isBetween(scrapeBefore, scrapeBefore + 2_000);
        assertThat(scrape)
                .doesNotContain(UUID_PREFIX)
                .contains("route=\"unmatched\"")
                .contains("peer=\"other\"");
        final long heapGrowth = usedHeapAfterGc() - heapBefore;
        LoggerFactory.getLogger(ServerMetricsTest.class)
                .info(
                        "after 2,000 then 100,000 distinct paths and callers: meters {} -> {}, scrape {} -> {} chars, "
                                + "heap growth {} KiB",
                        metersBefore,
                        metersAfter,
                        scrapeBefore,
                        scrape.length(),
                        heapGrowth / 1024);
        assertThat(heapGrowth).as("heap growth in bytes").isLessThan(32L * 1024 * 1024);
    }

    private static final String UUID_PREFIX = "/random/";

    /**
     * Sends requests {@code from} to {@code to}: each to a path never seen before, half of them matching
     * {@code /items/{id}} and half no route, each from a caller never seen before; at most 64 in flight.
     */
    private static void send(WebClient client, int from, int to) throws InterruptedException {
        final Semaphore inFlight = new Semaphore(64);
        final AtomicLong failed = new AtomicLong();
        for (int i = from; i < to; i++) {
            inFlight.acquire();
            final String path = i % 2 == 0 ? "/items/" + UUID.randomUUID() : UUID_PREFIX + UUID.randomUUID();
            final CompletableFuture<?> done = client.prepare()
                    .get(path)
                    .header(MeshTelemetry.CALLER_HEADER, "caller-" + i)
                    .execute()
                    .aggregate();
            done.whenComplete((res, cause) -> {
                if (cause != null) {
                    failed.incrementAndGet();
                }
                inFlight.release();
            });
        }
        inFlight.acquire(64);
        assertThat(failed).hasValue(0);
    }

    private static long usedHeapAfterGc() {
        final Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
