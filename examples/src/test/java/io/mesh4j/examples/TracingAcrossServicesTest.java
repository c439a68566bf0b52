package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.examples.services.Workloads;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * A handler that calls another service through a mesh client makes a child span with no tracing code of its
 * own: on the request's thread, on the request's blocking task executor, and on any executor made aware of the
 * request's context.
 */
class TracingAcrossServicesTest {

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

    @TempDir
    Path dataDir;

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final ExecutorService plainExecutor = Executors.newSingleThreadExecutor();
    private MeshRegistry registry;
    private MeshTelemetry edgeTelemetry;
    private MeshTelemetry leafTelemetry;
    private MeshTelemetry callerTelemetry;
    private MeshClient edgeMesh;
    private MeshClient callerMesh;
    private MeshServer leaf;
    private MeshServer edge;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build();
        registry.start();
        edgeTelemetry = telemetry("edge");
        leafTelemetry = telemetry("leaf");
        callerTelemetry = telemetry("caller");
        final WorkloadIdentity edgeIdentity = identity("edge");
        edgeMesh = MeshClient.builder(registry.uri())
                .identity(edgeIdentity)
                .telemetry(edgeTelemetry)
                .build();
        final WebClient leafClient = edgeMesh.webClient("leaf");
        leaf = MeshServer.builder("leaf", registry.uri())
                .identity(identity("leaf"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO) // stopped after each test: no drain to wait out
                .telemetry(leafTelemetry)
                .service("/leaf", (ctx, req) -> HttpResponse.of("leaf"))
                .build();
        // The handlers hold no tracing code: they call the leaf service, from three kinds of thread.
        edge = MeshServer.builder("edge", registry.uri())
                .identity(edgeIdentity)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO) // stopped after each test: no drain to wait out
                .telemetry(edgeTelemetry)
                .service(
                        "/on-the-request-thread",
                        (ctx, req) -> HttpResponse.of(
                                leafClient.get("/leaf").aggregate().thenApply(AggregatedHttpResponse::toHttpResponse)))
                .service(
                        "/on-the-blocking-executor",
                        (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(
                                        () -> leafClient
                                                .get("/leaf")
                                                .aggregate()
                                                .join(),
                                        ctx.blockingTaskExecutor())
                                .thenApply(AggregatedHttpResponse::toHttpResponse)))
                .service(
                        "/on-a-context-aware-executor",
                        (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(
                                        () -> leafClient
                                                .get("/leaf")
                                                .aggregate()
                                                .join(),
                                        ctx.makeContextAware(plainExecutor))
                                .thenApply(AggregatedHttpResponse::toHttpResponse)))
                .build();
        leaf.start().join();
        edge.start().join();
        callerMesh = MeshClient.builder(registry.uri())
                .identity(identity("caller"))
                .telemetry(callerTelemetry)
                .build();
    }

    private final List<WorkloadIdentity> identities = new ArrayList<>();

    private WorkloadIdentity identity(String service) {
        final WorkloadIdentity identity = Workloads.identity(
                registry.uri(), RegistryAccess.ADMIN_CLIENT.get(registry), registry.trustBundlePem(), service);
        identities.add(identity);
        return identity.start().join();
    }

    private MeshTelemetry telemetry(String service) {
        return MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName(service)
                .spanExporter(spans)
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        edge.stop().join();
        leaf.stop().join();
        callerMesh.close();
        edgeMesh.close();
        plainExecutor.shutdown();
        for (MeshTelemetry telemetry : List.of(edgeTelemetry, leafTelemetry, callerTelemetry)) {
            telemetry.close();
        }
        identities.forEach(WorkloadIdentity::close);
        registry.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/on-the-request-thread", "/on-the-blocking-executor", "/on-a-context-aware-executor"})
    void aCallMadeWhileServingIsAChildOfTheServerSpan(String path) {
        final WebClient edge = callerMesh.webClient("edge"); // its watch starts with its first client
        await().atMost(Duration.ofSeconds(10))
                .until(() -> callerMesh.endpoints(ServiceName.of("edge")).size() == 1
                        && edgeMesh.endpoints(ServiceName.of("leaf")).size() == 1);

        assertThat(edge.get(path).aggregate().join().status()).isEqualTo(HttpStatus.OK);

        await().atMost(Duration.ofSeconds(5))
                .until(() -> spans.getFinishedSpanItems().size() == 4);
        final List<SpanData> trace = spans.getFinishedSpanItems();
        assertThat(trace.stream().map(SpanData::getTraceId).distinct())
                .as("one trace")
                .hasSize(1);
        final SpanData callerClient = span(trace, "caller", SpanKind.CLIENT);
        final SpanData edgeServer = span(trace, "edge", SpanKind.SERVER);
        final SpanData edgeClient = span(trace, "edge", SpanKind.CLIENT);
        final SpanData leafServer = span(trace, "leaf", SpanKind.SERVER);
        assertThat(callerClient.getParentSpanContext().isValid()).isFalse();
        assertThat(edgeServer.getParentSpanId()).isEqualTo(callerClient.getSpanId());
        assertThat(edgeClient.getParentSpanId()).isEqualTo(edgeServer.getSpanId());
        assertThat(leafServer.getParentSpanId()).isEqualTo(edgeClient.getSpanId());
        assertThat(edgeServer.getName()).isEqualTo("GET " + path);
        assertThat(leafServer.getName()).isEqualTo("GET /leaf");
    }

    private static SpanData span(List<SpanData> trace, String service, SpanKind kind) {
        final List<SpanData> found = trace.stream()
                .filter(s -> service.equals(s.getResource().getAttribute(SERVICE_NAME)) && s.getKind() == kind)
                .collect(Collectors.toList());
        assertThat(found).as(service + ' ' + kind).hasSize(1);
        return found.get(0);
    }
}
