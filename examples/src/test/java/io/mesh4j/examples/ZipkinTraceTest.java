package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.demo.ChildJvm;
import io.mesh4j.examples.services.Frontend;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * A real Zipkin server (the {@code zipkin-server} exec jar the build puts in {@code target/zipkin}) receives the
 * spans of three services, each in its own process, and answers one request through them as one trace with the
 * expected parents.
 */
class ZipkinTraceTest {

    private static final Logger logger = LoggerFactory.getLogger(ZipkinTraceTest.class);
    private static final Path ZIPKIN_JAR = Path.of("target", "zipkin", "zipkin-server.jar");

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    @Test
    void aRequestThroughThreeServicesIsOneTraceInZipkin() throws Exception {
        assertThat(ZIPKIN_JAR)
                .as("the build copies Zipkin's exec jar here (maven-dependency-plugin)")
                .exists();
        final int port = ExternalProcess.freePort();
        final URI zipkin = URI.create("http://127.0.0.1:" + port);
        try (ExternalProcess server = ExternalProcess.start(
                        List.of(
                                ExternalProcess.java(),
                                "-Xmx256m",
                                "-XX:TieredStopAtLevel=1",
                                "-jar",
                                ZIPKIN_JAR.toString(),
                                "--armeria.ports[0].port=" + port,
                                "--armeria.ports[0].ip=127.0.0.1",
                                "--armeria.ports[0].protocols[0]=http"),
                        logDir.resolve("zipkin.log"));
                MeshRegistry registry = MeshRegistry.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(dataDir)
                        .build()) {
            final WebClient zipkinApi = WebClient.of(zipkin);
            // The mesh starts while Zipkin does (its start takes the longest): nothing sends a span before the
            // request below, which waits for Zipkin to answer.
            registry.start();
            final List<String> toZipkin = List.of("--zipkin", zipkin + "/api/v2/spans");
            final InMemorySpanExporter local = InMemorySpanExporter.create();
            try (ChildJvm inventory = ServiceProcesses.start("inventory", "inventory-1", registry, logDir, toZipkin);
                    ChildJvm orders = ServiceProcesses.start("orders", "orders-1", registry, logDir, toZipkin);
                    ChildJvm frontend = ServiceProcesses.start("frontend", "frontend-1", registry, logDir, toZipkin);
                    MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                            .serviceName("checkout-test")
                            .zipkinEndpoint(URI.create(zipkin + "/api/v2/spans"))
                            .spanExporter(local)
                            .build());
                    WorkloadIdentity identity = Workloads.identity(
                            registry.uri(),
                            RegistryAccess.ADMIN_CLIENT.get(registry),
                            registry.trustBundlePem(),
                            "checkout-test");
                    MeshClient caller = MeshClient.builder(registry.uri())
                            .identity(identity.start().join())
                            .telemetry(telemetry)
                            .build()) {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            assertThat(server.isAlive())
                                    .as("zipkin is running; see " + server.log())
                                    .isTrue();
                            return zipkinApi
                                    .get("/health")
                                    .aggregate()
                                    .handle((res, cause) ->
                                            res != null && res.status().equals(HttpStatus.OK))
                                    .join();
                        });
                caller.webClient(
                        ServiceName.of(Frontend.SERVICE)); // the watch of a service starts with its first client
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> caller.endpoints(ServiceName.of(Frontend.SERVICE))
                                        .size()
                                == 1);

                final AggregatedHttpResponse res = caller.webClient(Frontend.SERVICE)
                        .get("/checkout/7")
                        .aggregate()
                        .join();
                assertThat(res.status()).isEqualTo(HttpStatus.OK);

                await().atMost(Duration.ofSeconds(5))
                        .until(() -> !local.getFinishedSpanItems().isEmpty());
                final SpanData root = local.getFinishedSpanItems().get(0);
                final List<Map<String, Object>> trace = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            final AggregatedHttpResponse answer = zipkinApi
                                    .get("/api/v2/trace/" + root.getTraceId())
                                    .aggregate()
                                    .join();
                            if (!answer.status().equals(HttpStatus.OK)) {
                                return false;
                            }
                            trace.clear();
                            trace.addAll(new ObjectMapper()
                                    .readValue(
                                            answer.contentUtf8(), new TypeReference<List<Map<String, Object>>>() {}));
                            return trace.size() == 6;
                        });
                logger.info("Zipkin's trace {}:\n{}", root.getTraceId(), describe(trace));
                Files.writeString(logDir.resolve("trace.txt"), describe(trace));

                final Map<String, Object> callerClient = span(trace, "checkout-test", SpanKind.CLIENT);
                final Map<String, Object> frontendServer = span(trace, "frontend", SpanKind.SERVER);
                final Map<String, Object> frontendClient = span(trace, "frontend", SpanKind.CLIENT);
                final Map<String, Object> ordersServer = span(trace, "orders", SpanKind.SERVER);
                final Map<String, Object> ordersClient = span(trace, "orders", SpanKind.CLIENT);
                final Map<String, Object> inventoryServer = span(trace, "inventory", SpanKind.SERVER);
                assertThat(callerClient.get("id")).isEqualTo(root.getSpanId());
                assertThat(callerClient).doesNotContainKey("parentId");
                assertThat(frontendServer.get("parentId")).isEqualTo(callerClient.get("id"));
                assertThat(frontendClient.get("parentId")).isEqualTo(frontendServer.get("id"));
                assertThat(ordersServer.get("parentId")).isEqualTo(frontendClient.get("id"));
                assertThat(ordersClient.get("parentId")).isEqualTo(ordersServer.get("id"));
                assertThat(inventoryServer.get("parentId")).isEqualTo(ordersClient.get("id"));
                // Zipkin keeps names in lower case.
                assertThat(frontendServer.get("name")).isEqualTo("get /checkout/:id");
                assertThat(ordersServer.get("name")).isEqualTo("get /orders/:id");
                // The last hop is gRPC: both of its spans are named after the method, with the RPC attributes.
                assertThat(inventoryServer.get("name")).isEqualTo("mesh4j.examples.inventory.inventory/getstock");
                assertThat(ordersClient.get("name")).isEqualTo("mesh4j.examples.inventory.inventory/getstock");
                assertThat(tags(ordersClient))
                        .containsEntry("peer.service", "inventory")
                        .containsEntry("rpc.system", "grpc")
                        .containsEntry("http.response.status_code", "200");
                assertThat(tags(inventoryServer))
                        .containsEntry("rpc.system", "grpc")
                        .containsEntry("rpc.service", "mesh4j.examples.inventory.Inventory")
                        .containsEntry("rpc.method", "GetStock")
                        .containsEntry("rpc.grpc.status_code", "0");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tags(Map<String, Object> span) {
        return (Map<String, Object>) span.get("tags");
    }

    @SuppressWarnings("unchecked")
    private static String serviceOf(Map<String, Object> span) {
        return String.valueOf(((Map<String, Object>) span.get("localEndpoint")).get("serviceName"));
    }

    private static Map<String, Object> span(List<Map<String, Object>> trace, String service, SpanKind kind) {
        final List<Map<String, Object>> found = trace.stream()
                .filter(s -> service.equals(serviceOf(s)) && kind.name().equals(s.get("kind")))
                .collect(Collectors.toList());
        assertThat(found).as(service + ' ' + kind + " in " + describe(trace)).hasSize(1);
        return found.get(0);
    }

    private static String describe(List<Map<String, Object>> trace) {
        return trace.stream()
                .map(s -> String.format(
                        "%-14s %-7s %-22s id=%s parent=%s %s µs",
                        serviceOf(s),
                        s.get("kind"),
                        s.get("name"),
                        s.get("id"),
                        s.getOrDefault("parentId", "-"),
                        s.get("duration")))
                .collect(Collectors.joining("\n"));
    }
}
