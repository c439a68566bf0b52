package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.admin.AdminServer;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.MeshRegistry;

class AdminEndpointTest {

    @TempDir
    Path dataDir;

    @Test
    void theAdminPortServesPrometheusMetricsAndTheLiveStacks() throws Exception {
        try (MeshRegistry registry = Registries.start(dataDir);
                MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults())) {
            final MeshServer orders = MeshServer.builder("orders", registry.uri())
                    .plaintext()
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO) // stopped at the test's end: no drain to wait out
                    .telemetry(telemetry)
                    .adminPort(0)
                    .service("/orders/{id}", (ctx, req) -> HttpResponse.of("ok"))
                    .build();
            orders.start().join();
            try {
                final AdminServer admin = orders.admin();
                assertThat(admin).isNotNull();
                assertThat(admin.port()).isNotEqualTo(orders.port());
                // Off the network unless asked (issue 16): the endpoint asks no credentials.
                assertThat(admin.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
                WebClient.of("http://127.0.0.1:" + orders.port())
                        .get("/orders/1")
                        .aggregate()
                        .join();
                admin.show("client", () -> "Stack[TRACING -> METRICS -> DEADLINE -> RETRY -> BREAKER]");

                final WebClient adminClient = WebClient.of("http://127.0.0.1:" + admin.port());
                // Recorded once the request's log completes, a moment after its answer.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    final AggregatedHttpResponse metrics =
                            adminClient.get("/metrics").aggregate().join();
                    assertThat(metrics.contentType().toString()).startsWith("text/plain; version=0.0.4");
                    assertThat(metrics.contentUtf8())
                            .contains("mesh_server_requests_seconds_count{method=\"GET\","
                                    + "outcome=\"success\",peer=\"unknown\","
                                    + "route=\"/orders/:id\",service=\"orders\","
                                    + "status=\"200\"} 1");
                });
                assertThat(adminClient.get("/stacks").aggregate().join().contentUtf8())
                        .contains("orders inbound: plaintext listener -> per request: [TRACING + METRICS + AUTHZ"
                                + " + RATE_LIMIT + CONCURRENCY + FAULTS + DEADLINE] -> service")
                        .contains("client: Stack[TRACING -> METRICS -> DEADLINE -> RETRY -> BREAKER]");
                assertThat(adminClient
                                .get("/healthz")
                                .aggregate()
                                .join()
                                .status()
                                .code())
                        .isEqualTo(200);
            } finally {
                orders.stop().join();
            }
        }
    }

    @Test
    void theAdminAddressChosenOnTheBuilderIsTheOneTheAdminPortListensOn() throws Exception {
        try (MeshRegistry registry = Registries.start(dataDir);
                MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.ofDefaults())) {
            final MeshServer orders = MeshServer.builder("orders", registry.uri())
                    .plaintext()
                    .advertisedHost("127.0.0.1")
                    .drainPeriod(Duration.ZERO) // stopped at the test's end: no drain to wait out
                    .telemetry(telemetry)
                    .adminPort(0)
                    .adminAddress(InetAddress.getByName("0.0.0.0"))
                    .service("/orders/{id}", (ctx, req) -> HttpResponse.of("ok"))
                    .build();
            orders.start().join();
            try {
                final AdminServer admin = orders.admin();
                assertThat(admin).isNotNull();
                assertThat(admin.address().getAddress().isAnyLocalAddress()).isTrue();
                assertThat(WebClient.of("http://127.0.0.1:" + admin.port())
                                .get("/healthz")
                                .aggregate()
                                .join()
                                .status()
                                .code())
                        .isEqualTo(200);
            } finally {
                orders.stop().join();
            }
        }
    }
}
