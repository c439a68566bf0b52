package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.services.Frontend;
import io.mesh4j.examples.services.Inventory;
import io.mesh4j.examples.services.Orders;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.mesh4j.server.MeshServerBuilder;

/**
 * A real Prometheus (Debian's {@code prometheus} package, which {@code .ci/run} installs) scrapes the admin
 * endpoints of three mesh services and answers, through its query API, the request counters and latency
 * buckets per route that the traffic left.
 */
class PrometheusScrapeTest {

    private static final Logger logger = LoggerFactory.getLogger(PrometheusScrapeTest.class);
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final int CHECKOUTS = 40;

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MeshRegistry registry;

    @Test
    void prometheusReadsTheRequestCountersAndHistogramBucketsPerRoute() throws Exception {
        assertThat(PROMETHEUS)
                .as("Prometheus is installed (apt-get install prometheus, as .ci/run does)")
                .isExecutable();
        try (MeshRegistry registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("registry"))
                .build()) {
            registry.start();
            try {
                this.registry = registry;
                scrapeAfterTraffic(registry.uri());
            } finally {
                // Services first, while the registry still answers their deregistration.
                for (int i = toClose.size() - 1; i >= 0; i--) {
                    toClose.get(i).close();
                }
            }
        }
    }

    private void scrapeAfterTraffic(URI r) throws Exception {
        final MeshServer inventory = start(Inventory.server(r, "inventory-1"), "inventory");
        final MeshServer orders = start(Orders.server(r, client(r, "orders"), "orders-1", Duration.ZERO), "orders");
        final MeshServer frontend = start(Frontend.server(r, client(r, "frontend"), "frontend-1"), "frontend");
        final MeshClient caller = MeshClient.builder(r)
                .identity(identity("checkout-test"))
                .telemetry(telemetry("checkout-test"))
                .build();
        toClose.add(caller);
        caller.webClient(ServiceName.of(Frontend.SERVICE)); // the watch of a service starts with its first client
        await().atMost(Duration.ofSeconds(10))
                .until(() -> caller.endpoints(ServiceName.of(Frontend.SERVICE)).size() == 1);
        for (int i = 0; i < CHECKOUTS; i++) {
            assertThat(caller.webClient(Frontend.SERVICE)
                            .get("/checkout/" + i)
                            .aggregate()
                            .join()
                            .status())
                    .isEqualTo(HttpStatus.OK);
        }

        final int port = ExternalProcess.freePort();
        final Path config = dir.resolve("prometheus.yml");
        Files.writeString(
                config,
                "global:\n"
                        + "  scrape_interval: 1s\n"
                        + "scrape_configs:\n"
                        + "  - job_name: mesh\n"
                        + "    static_configs:\n"
                        + "      - targets: ['127.0.0.1:" + adminPort(inventory) + "', '127.0.0.1:"
                        + adminPort(orders) + "', '127.0.0.1:" + adminPort(frontend) + "']\n");
        // Its own port and data directory: a packaged Prometheus daemon on :9090 stays out of the way.
        try (ExternalProcess prometheus = ExternalProcess.start(
                List.of(
                        PROMETHEUS.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"),
                        "--web.listen-address=127.0.0.1:" + port),
                dir.resolve("prometheus.log"))) {
            final WebClient api = WebClient.of("http://127.0.0.1:" + port);

            final String count = "mesh_server_requests_seconds_count{service=\"orders\",route=\"/orders/:id\"}";
            final List<JsonNode> counted = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        assertThat(prometheus.isAlive())
                                .as("prometheus runs; see " + prometheus.log())
                                .isTrue();
                        counted.clear();
                        counted.addAll(query(api, count));
                        return counted.size() == 1 && value(counted.get(0)) == CHECKOUTS;
                    });
            logger.info("{} =>\n{}", count, counted);
            final JsonNode series = counted.get(0).get("metric");
            assertThat(series.get("peer").asText()).isEqualTo("frontend");
            assertThat(series.get("outcome").asText()).isEqualTo("success");
            assertThat(series.get("job").asText()).isEqualTo("mesh");

            final String buckets = "mesh_server_requests_seconds_bucket{service=\"orders\",route=\"/orders/:id\"}";
            final Map<String, Double> byLe = new TreeMap<>();
            for (JsonNode bucket : query(api, buckets)) {
                byLe.put(bucket.get("metric").get("le").asText(), value(bucket));
            }
            logger.info("{} =>\n{}", buckets, byLe);
            assertThat(byLe).hasSizeGreaterThanOrEqualTo(13).containsEntry("+Inf", (double) CHECKOUTS);

            final String perRoute = "sum by (service, route) (mesh_server_requests_seconds_count)";
            final Map<String, Double> routes = new TreeMap<>();
            // Each service is a target of its own, scraped on its own schedule: wait for all three.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        routes.clear();
                        for (JsonNode result : query(api, perRoute)) {
                            routes.put(
                                    result.get("metric").get("service").asText()
                                            + ' '
                                            + result.get("metric").get("route").asText(),
                                    value(result));
                        }
                        assertThat(routes)
                                .containsEntry("frontend /checkout/:id", (double) CHECKOUTS)
                                .containsEntry("orders /orders/:id", (double) CHECKOUTS)
                                // orders → inventory is a gRPC call: its route is the method's path.
                                .containsEntry(
                                        "inventory /mesh4j.examples.inventory.Inventory/GetStock", (double) CHECKOUTS);
                    });
            logger.info("{} =>\n{}", perRoute, routes);

            final List<JsonNode> clientSide =
                    query(api, "mesh_client_requests_seconds_count{service=\"inventory\",outcome=\"success\"}");
            assertThat(clientSide).hasSize(1);
            assertThat(value(clientSide.get(0))).isEqualTo(CHECKOUTS);
            Files.writeString(dir.resolve("query.txt"), counted + "\n" + byLe + "\n" + routes);
        }
    }

    private MeshClient client(URI registry, String service) {
        final MeshClient client = MeshClient.builder(registry)
                .identity(identity(service))
                .telemetry(telemetry(service))
                .build();
        toClose.add(client);
        return client;
    }

    private final Map<String, WorkloadIdentity> identities = new TreeMap<>();

    /** One identity per service, its client's and its server's, as in a process of its own. */
    private WorkloadIdentity identity(String service) {
        return identities.computeIfAbsent(service, unused -> {
            final WorkloadIdentity identity = Workloads.identity(
                    registry.uri(), RegistryAccess.ADMIN_CLIENT.get(registry), registry.trustBundlePem(), service);
            toClose.add(identity);
            return identity.start().join();
        });
    }

    private final Map<String, MeshTelemetry> telemetries = new TreeMap<>();

    /** One telemetry per service, its client's and its server's, as in a process of its own. */
    private MeshTelemetry telemetry(String service) {
        return telemetries.computeIfAbsent(service, unused -> {
            final MeshTelemetry telemetry = MeshTelemetry.of(
                    TelemetryConfig.builder().serviceName(service).build());
            toClose.add(telemetry);
            return telemetry;
        });
    }

    private MeshServer start(MeshServerBuilder builder, String service) {
        final MeshServer server = builder.identity(identity(service))
                .advertisedHost("127.0.0.1")
                .telemetry(telemetry(service))
                .adminPort(0)
                .drainPeriod(Duration.ZERO)
                .build();
        server.start().join();
        toClose.add(() -> server.stop().join());
        return server;
    }

    private static int adminPort(MeshServer server) {
        return server.admin().port();
    }

    /** The query's results; none while Prometheus is still starting (not listening, or not ready). */
    private static List<JsonNode> query(WebClient api, String promql) throws Exception {
        final AggregatedHttpResponse res = api.get(
                        "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .aggregate()
                .handle((answer, cause) -> answer)
                .join();
        if (res == null || !res.status().equals(HttpStatus.OK)) {
            return List.of();
        }
        final List<JsonNode> results = new ArrayList<>();
        new ObjectMapper().readTree(res.contentUtf8()).get("data").get("result").forEach(results::add);
        return results;
    }

    private static double value(JsonNode result) {
        return Double.parseDouble(result.get("value").get(1).asText());
    }
}
