package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.registry.internal.cli.MeshCtl;
import io.mesh4j.server.MeshServer;
import picocli.CommandLine;

/**
 * Real members over mTLS report their golden metrics to a real registry, and meshctl shows them: who calls whom,
 * how often, how many succeeded, how many were refused.
 */
class SeeTheMeshTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CALLS = 20;
    private static final int DENIED = 3;

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private RegistryClient admin;
    private final List<WorkloadIdentity> identities = new ArrayList<>();
    private final List<MeshTelemetry> telemetries = new ArrayList<>();
    private MeshServer orders;
    private MeshClient frontend;
    private MeshClient intruder;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        admin.putPolicy(
                        ServiceName.of("orders"),
                        PolicyJson.parsePolicy(
                                "{\"rules\": [{\"routes\": [\"/orders/{id}\"], \"allowCallers\": [\"frontend\"]}]}"
                                        .getBytes(StandardCharsets.UTF_8)))
                .join();
        orders = MeshServer.builder("orders", registry.uri())
                .identity(identity("orders"))
                .advertisedHost("127.0.0.1")
                .telemetry(telemetry("orders"))
                .drainPeriod(Duration.ZERO)
                .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
                .build();
        orders.start().join();
        frontend = MeshClient.builder(registry.uri())
                .identity(identity("frontend"))
                .telemetry(telemetry("frontend"))
                .build();
        intruder = MeshClient.builder(registry.uri())
                .identity(identity("intruder"))
                .telemetry(telemetry("intruder"))
                .build();
    }

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(registry.uri(), admin, registry.trustBundlePem(), service);
        identities.add(identity);
        return identity.start().join();
    }

    private MeshTelemetry telemetry(String service) {
        // Reports every 200 ms instead of every 10 s, so that the test waits for them briefly.
        final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName(service)
                .reportInterval(Duration.ofMillis(200))
                .build());
        telemetries.add(telemetry);
        return telemetry;
    }

    @AfterEach
    void stop() {
        intruder.close();
        frontend.close();
        orders.stop().join();
        telemetries.forEach(MeshTelemetry::close);
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }

    @Test
    void theRegistryCollectsEachEdgesGoldenMetricsAndMeshctlShowsThem() throws Exception {
        for (int i = 0; i < CALLS; i++) {
            final AggregatedHttpResponse res = frontend.webClient("orders")
                    .prepare()
                    .get("/orders/" + i)
                    .attr(MeshTelemetry.ROUTE, "/orders/{id}")
                    .execute()
                    .aggregate()
                    .join();
            assertThat(res.status().code()).isEqualTo(200);
        }
        for (int i = 0; i < DENIED; i++) {
            assertThat(intruder.webClient("orders")
                            .get("/orders/1")
                            .aggregate()
                            .join()
                            .status()
                            .code())
                    .isEqualTo(403);
        }

        // The registry's stat of orders by edge: the server's count of each caller, the denials among them.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            final JsonNode stat = JSON.readTree(
                    admin.getJson("/v1/stats/services/orders?by=edge&window=1m").join());
            final JsonNode fromFrontend = row(stat, "frontend", "orders");
            assertThat(fromFrontend.path("requests").asLong()).isEqualTo(CALLS);
            assertThat(fromFrontend.path("successes").asLong()).isEqualTo(CALLS);
            assertThat(fromFrontend.path("successRate").asDouble()).isEqualTo(1.0);
            assertThat(fromFrontend.path("measuredBy").asText()).isEqualTo("server");
            assertThat(fromFrontend.path("latencyMs").path("p99").asDouble()).isPositive();
            final JsonNode fromIntruder = row(stat, "intruder", "orders");
            assertThat(fromIntruder.path("requests").asLong()).isEqualTo(DENIED);
            // A 403 is a success by the mesh's classifier, as every 4xx is (the service answered as it should):
            // the denials column is what tells them apart.
            assertThat(fromIntruder.path("denials").asLong()).isEqualTo(DENIED);
        });

        assertThat(meshctl("stat")).isZero();
        assertThat(out.toString())
                .contains("SERVICE", "RPS", "SUCCESS", "P50", "P99")
                .containsPattern("orders +[0-9.]+ +100\\.00% +23 ");
        assertThat(meshctl("stat", "orders", "--by", "edge", "--output", "json"))
                .isZero();
        final JsonNode byEdge = JSON.readTree(out.toString());
        assertThat(byEdge.path("by").asText()).isEqualTo("edge");
        assertThat(row(byEdge, "frontend", "orders").path("requests").asLong()).isEqualTo(CALLS);
        assertThat(row(byEdge, "intruder", "orders").path("denials").asLong()).isEqualTo(DENIED);

        // By route as the service names it: the callers' /orders/{id} is the same route, and is not a row of its own.
        assertThat(meshctl("stat", "orders", "--by", "route")).isZero();
        assertThat(out.toString())
                .contains("ROUTE")
                .containsPattern("orders +/orders/:id +[0-9.]+ +100\\.00% +23 ")
                .doesNotContain("unmatched")
                .doesNotContain("{id}");

        assertThat(meshctl("edges")).isZero();
        assertThat(out.toString())
                .contains("FROM", "TO")
                .containsPattern("frontend +orders +[0-9.]+ +100\\.00% +20 ")
                .containsPattern("intruder +orders +[0-9.]+ +100\\.00% +3 ");
        assertThat(meshctl("edges", "-o", "json")).isZero();
        assertThat(row(JSON.readTree(out.toString()), "frontend", "orders")
                        .path("requests")
                        .asLong())
                .isEqualTo(CALLS);

        // top refreshes until --for: each refresh one JSON object on its own line, off a terminal.
        assertThat(meshctl("top", "--by", "edge", "--interval", "1s", "--for", "1s", "-o", "json"))
                .isZero();
        final String[] refreshes = out.toString().strip().split("\n");
        assertThat(refreshes).isNotEmpty();
        assertThat(row(JSON.readTree(refreshes[0]), "frontend", "orders")
                        .path("requests")
                        .asLong())
                .isEqualTo(CALLS);
        assertThat(meshctl("top", "--interval", "1s", "--for", "1s")).isZero();
        assertThat(out.toString()).contains("meshctl top:", "orders");

        // A healthy mesh: orders has a policy and a fresh heartbeat, every certificate is young.
        assertThat(meshctl("check")).isZero();
        assertThat(out.toString()).contains("ok       registry reachable").contains("no problems found");
    }

    @Test
    void membersKeepServingWhileTheRegistryIsGoneAndTheirReportsFail() {
        assertThat(frontend.webClient("orders")
                        .get("/orders/1")
                        .aggregate()
                        .join()
                        .status()
                        .code())
                .isEqualTo(200);
        registry.close();
        // Five report intervals and more, each report refused at the connection: every call is still answered, from
        // the instances the client knew, and none waits for a report.
        final long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        int calls = 0;
        while (System.nanoTime() < end) {
            final AggregatedHttpResponse res = frontend.webClient("orders")
                    .get("/orders/" + calls)
                    .aggregate()
                    .join();
            assertThat(res.status().code()).isEqualTo(200);
            calls++;
        }
        assertThat(calls).isGreaterThan(5);
    }

    private static JsonNode row(JsonNode stat, String caller, String service) {
        for (JsonNode row : stat.path("rows")) {
            if (caller.equals(row.path("caller").asText())
                    && service.equals(row.path("service").asText())) {
                return row;
            }
        }
        throw new AssertionError("no edge " + caller + " -> " + service + " in " + stat);
    }

    private int meshctl(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(
                Map.of("MESHCTL_REGISTRY", registry.uri().toString(), "MESHCTL_DATA_DIR", dataDir.toString()));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exit = commandLine.execute(args);
        if (exit != 0 && exit != 1) {
            throw new AssertionError("meshctl " + String.join(" ", args) + ": exit " + exit + ": " + err);
        }
        return exit;
    }
}
