package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.AbstractInteropTest;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.TestServiceImpl;
import io.mesh4j.core.annotation.RateLimit;
import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.AllowCallers;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.routing.FaultSpec;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RateLimitSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.netty.handler.ssl.SslContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * gRPC on the mesh listener, driven by a stock grpc-java client (Netty, TLS with a workload certificate of the
 * mesh's CA): the gRPC interop suite's cases against its TestServiceImpl, and the stack's refusals as gRPC
 * statuses.
 */
class GrpcServerTest {

    private static final ServiceName INTEROP = ServiceName.of("interop");
    private static final String UNARY = "/grpc.testing.TestService/UnaryCall";
    private static final String EMPTY_CALL = "/grpc.testing.TestService/EmptyCall";

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ConcurrentLinkedQueue<Duration> meshDeadlines = new ConcurrentLinkedQueue<>();
    /** For each call, whether the user's interceptor ran on the connection's event loop. */
    private final ConcurrentLinkedQueue<Boolean> onEventLoop = new ConcurrentLinkedQueue<>();
    /** A call with this header waits in the user's interceptor, as a blocking handler would, until released. */
    private static final Metadata.Key<String> HOLD = Metadata.Key.of("x-test-hold", Metadata.ASCII_STRING_MARSHALLER);

    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private ScheduledExecutorService testServiceExecutor;
    private MeshRegistry registry;
    private MeshServer server;
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final MeshTelemetry telemetry = MeshTelemetry.of(
            TelemetryConfig.builder().serviceName("interop").spanExporter(spans).build());
    private WorkloadIdentity frontend;

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
        testServiceExecutor = Executors.newScheduledThreadPool(2);
        // The interop suite's service with its own interceptors (echoing metadata), and one that notes the mesh
        // deadline each call runs under.
        final List<ServerInterceptor> interceptors = new ArrayList<>(TestServiceImpl.interceptors());
        interceptors.add(new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                final ServiceRequestContext ctx = ServiceRequestContext.current();
                final Deadline deadline = Deadline.of(ctx);
                if (deadline != null) {
                    meshDeadlines.add(deadline.remaining());
                }
                onEventLoop.add(ctx.eventLoop().inEventLoop());
                if (headers.containsKey(HOLD)) {
                    holding.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return next.startCall(call, headers);
            }
        });
        server = MeshServer.builder("interop", registry.uri())
                .identity(TlsWorkloads.join(registry, "interop", toClose))
                .advertisedHost("127.0.0.1")
                // Stopped after every test: a drain period would be waited out each time. The test of draining
                // starts a server of its own that drains.
                .drainPeriod(Duration.ZERO)
                .stopOnShutdown(false)
                .telemetry(telemetry)
                .grpcService(ServerInterceptors.intercept(new TestServiceImpl(testServiceExecutor), interceptors))
                .build();
        server.start().join();
        frontend = TlsWorkloads.join(registry, "frontend", toClose);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop().join();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        registry.close();
        testServiceExecutor.shutdownNow();
        telemetry.close();
    }

    /** A stock grpc-java channel over TLS, presenting {@code identity}'s certificate and checking the server's. */
    private ManagedChannel channelAs(WorkloadIdentity identity) {
        return channelTo(server, identity);
    }

    /** The same, to {@code target}: a server of interop that a test started for itself. */
    private ManagedChannel channelTo(MeshServer target, WorkloadIdentity identity) {
        final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", target.port())
                .sslContext(sslContextOf(identity))
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
        toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private static SslContext sslContextOf(WorkloadIdentity identity) {
        final TlsKeyPair keyPair = identity.keyPair();
        try {
            return GrpcSslContexts.forClient()
                    .keyManager(keyPair.privateKey(), keyPair.certificateChain())
                    // The server proves the SPIFFE ID of interop; it has no DNS name to check.
                    .trustManager(identity.trustManager(
                            id -> id.service().map(INTEROP::equals).orElse(false), "a workload of interop"))
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The interop suite's own cases, on a channel made here; its server is ours, so it starts none. */
    private final class MeshInterop extends AbstractInteropTest {
        @Override
        protected ManagedChannelBuilder<?> createChannelBuilder() {
            return NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                    .sslContext(sslContextOf(frontend))
                    .maxInboundMessageSize(AbstractInteropTest.MAX_MESSAGE_SIZE);
        }

        @Override
        protected boolean metricsExpected() {
            return false;
        }
    }

    @FunctionalInterface
    private interface InteropCase {
        void run(AbstractInteropTest test) throws Exception;
    }

    private void interop(InteropCase testCase) throws Exception {
        final MeshInterop test = new MeshInterop();
        test.setUp();
        try {
            testCase.run(test);
        } finally {
            test.tearDown();
        }
    }

    @Test
    void theInteropSuitesCasesPassThroughTheMeshStack() throws Exception {
        interop(AbstractInteropTest::emptyUnary);
        interop(AbstractInteropTest::largeUnary);
        interop(AbstractInteropTest::clientStreaming);
        interop(AbstractInteropTest::serverStreaming);
        interop(AbstractInteropTest::pingPong);
        interop(AbstractInteropTest::customMetadata);
        interop(AbstractInteropTest::statusCodeAndMessage);
        interop(AbstractInteropTest::unimplementedMethod);
        interop(AbstractInteropTest::timeoutOnSleepingServer);
        interop(AbstractInteropTest::emptyStream);
        interop(AbstractInteropTest::cancelAfterBegin);
        interop(AbstractInteropTest::cancelAfterFirstResponse);
        interop(AbstractInteropTest::specialStatusMessage);
        interop(AbstractInteropTest::unimplementedService);
    }

    @Test
    void aCallsApplicationCodeRunsOffTheEventLoopSoThatABlockedCallHoldsUpNoOtherCallOfItsConnection()
            throws Exception {
        final ManagedChannel channel = channelAs(frontend);
        final Metadata hold = new Metadata();
        hold.put(HOLD, "yes");
        final CompletableFuture<Empty> held =
                CompletableFuture.supplyAsync(() -> TestServiceGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(hold))
                        .emptyCall(Empty.getDefaultInstance()));
        try {
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            // The same channel, so the same connection and event loop: answered while the first call still blocks.
            assertThat(TestServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .emptyCall(Empty.getDefaultInstance()))
                    .isEqualTo(Empty.getDefaultInstance());
            assertThat(held).isNotDone();
        } finally {
            release.countDown();
        }
        assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo(Empty.getDefaultInstance());
        assertThat(onEventLoop).hasSize(2).containsOnly(false);
    }

    @Test
    void aFailedCallIsAnErrorSpanNamedByItsMethodAndAFailureInTheMetricsUnderItsPath() {
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channelAs(frontend));
        final SimpleRequest failing = SimpleRequest.newBuilder()
                .setResponseStatus(EchoStatus.newBuilder()
                        .setCode(Status.Code.INTERNAL.value())
                        .setMessage("boom"))
                .build();
        assertThatThrownBy(() -> stub.unaryCall(failing))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));

        await().atMost(Duration.ofSeconds(5))
                .until(() -> spans.getFinishedSpanItems().stream()
                        .anyMatch(span -> span.getName().equals("grpc.testing.TestService/UnaryCall")));
        final SpanData span = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("grpc.testing.TestService/UnaryCall"))
                .findFirst()
                .orElseThrow();
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.system")))
                .isEqualTo("grpc");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.service")))
                .isEqualTo("grpc.testing.TestService");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.method")))
                .isEqualTo("UnaryCall");
        assertThat(span.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")))
                .isEqualTo((long) Status.Code.INTERNAL.value());
        // The shared classifier read grpc-status 13 behind HTTP 200: a failure, under the method's path.
        await().atMost(Duration.ofSeconds(5)).until(() -> telemetry.scrape().contains("outcome=\"failure\""));
        assertThat(telemetry.scrape())
                .containsPattern("mesh_server_requests_seconds_count\\{[^}]*outcome=\"failure\",peer=\"frontend\","
                        + "route=\"/grpc.testing.TestService/UnaryCall\"")
                // And by its gRPC status, which the request series' HTTP 200 cannot say.
                .containsPattern("mesh_server_grpc_responses_total\\{grpc_status=\"INTERNAL\","
                        + "route=\"/grpc.testing.TestService/UnaryCall\",service=\"[a-z-]+\"} 1.0");
    }

    /** The README's example service: the generated base alone, every method UNIMPLEMENTED. */
    static final class OrdersGrpcService extends TestServiceGrpc.TestServiceImplBase {}

    @Test
    void theReadmesServingSnippetRunsAndIsWhatTheReadmeShows() throws Exception {
        final java.net.URI registry = this.registry.uri();
        final WorkloadIdentity identity = TlsWorkloads.join(this.registry, "orders", toClose);
        // ---- from the README
        MeshServer orders = MeshServer.builder("orders", registry)
                .identity(identity)
                .grpcService(new OrdersGrpcService()) // extends OrdersServiceGrpc.OrdersServiceImplBase
                .build();
        orders.start().join();
        // ---- end of the README's code
        try {
            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", orders.port())
                    .sslContext(GrpcSslContexts.forClient()
                            .keyManager(
                                    frontend.keyPair().privateKey(),
                                    frontend.keyPair().certificateChain())
                            .trustManager(frontend.trustManager(
                                    id -> id.service()
                                            .map(ServiceName.of("orders")::equals)
                                            .orElse(false),
                                    "a workload of orders"))
                            .build())
                    .build();
            toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
            assertThat(HealthGrpc.newBlockingStub(channel)
                            .check(HealthCheckRequest.getDefaultInstance())
                            .getStatus())
                    .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            assertThatThrownBy(() -> TestServiceGrpc.newBlockingStub(channel).emptyCall(Empty.getDefaultInstance()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        } finally {
            orders.stop().join();
        }

        // The module's directory is the working directory of its tests.
        final String readme = java.nio.file.Files.readString(Path.of("../README.md"));
        final String source =
                java.nio.file.Files.readString(Path.of("src/test/java/io/mesh4j/server/GrpcServerTest.java"));
        final String shown = between(readme, "### Serving a gRPC service", "```java", "```");
        final String run = between(
                source, "// ---- from the README", "// ---- from the README", "// ---- end of the README's code");
        assertThat(shown.replaceAll("\\s+", ""))
                .as("the ```java block of the README's 'Serving a gRPC service' against the code between the markers "
                        + "in GrpcServerTest.java: change both together")
                .isEqualTo(run.replaceAll("\\s+", ""));
    }

    /** The lines after the first line {@code open} at or after the line {@code start}, up to the line {@code close}. */
    private static String between(String text, String start, String open, String close) {
        final String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length && !lines[i].strip().equals(start)) {
            i++;
        }
        while (i < lines.length && !lines[i].strip().equals(open)) {
            i++;
        }
        assertThat(i).as("a line '%s' followed by a line '%s'", start, open).isLessThan(lines.length);
        final StringBuilder code = new StringBuilder();
        for (i++; i < lines.length && !lines[i].strip().equals(close); i++) {
            code.append(lines[i]).append('\n');
        }
        return code.toString();
    }

    /** The interop service as an owner might annotate it: emptyCall for web only, unaryCall at 1 call a second. */
    public static final class AnnotatedTestService extends TestServiceImpl {
        AnnotatedTestService(ScheduledExecutorService executor) {
            super(executor);
        }

        @Override
        @AllowCallers("web")
        public void emptyCall(Empty request, StreamObserver<Empty> responseObserver) {
            super.emptyCall(request, responseObserver);
        }

        @Override
        @RateLimit(1)
        public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> responseObserver) {
            super.unaryCall(request, responseObserver);
        }
    }

    @Test
    void thePolicyAnnotationsOfAGrpcImplementationApplyToItsMethods() {
        final MeshServer annotated = MeshServer.builder("interop", registry.uri())
                .identity(TlsWorkloads.join(registry, "interop", toClose))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .stopOnShutdown(false)
                .grpcService(new AnnotatedTestService(testServiceExecutor))
                .build();
        annotated.start().join();
        toClose.add(() -> annotated.stop().join());
        final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", annotated.port())
                .sslContext(sslContextOf(frontend))
                .build();
        toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel);

        assertThatThrownBy(() -> stub.emptyCall(Empty.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("spiffe://mesh.local/svc/frontend may not call POST " + EMPTY_CALL
                                    + " of interop (the @AllowCallers annotation does not allow it)");
                });
        StatusRuntimeException limited = null;
        for (int i = 0; i < 5 && limited == null; i++) {
            try {
                stub.unaryCall(SimpleRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                limited = e;
            }
        }
        assertThat(limited).isNotNull();
        assertThat(limited.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(limited.getStatus().getDescription())
                .contains("the annotations of AnnotatedTestService.unaryCall(SimpleRequest, StreamObserver)");
    }

    @Test
    void aCallerThePolicyDoesNotAllowGetsPermissionDeniedSayingWhy() {
        RegistryAccess.ADMIN_CLIENT
                .get(registry)
                .putPolicy(
                        INTEROP,
                        new AccessPolicy(
                                List.of(new AccessRule(Set.of(UNARY), Set.of(), Set.of(ServiceName.of("web"))))))
                .join();
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channelAs(frontend));
        await().atMost(Duration.ofSeconds(2)).until(() -> server.pushedPolicy() != null);

        assertThatThrownBy(() -> stub.unaryCall(SimpleRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("spiffe://mesh.local/svc/frontend may not call POST " + UNARY
                                    + " of interop (the policy pushed by the registry does not allow it)");
                });
        // Health stays open to every workload of the mesh, whatever the policy says.
        assertThat(HealthGrpc.newBlockingStub(channelAs(frontend))
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void aCallOverAMeshWideQuotaGetsResourceExhaustedSayingItIsTheQuota() {
        final RouteConfig config = new RouteConfig(
                List.of(RouteRule.builder("empty-call")
                        .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, EMPTY_CALL), Set.of(), Map.of()))
                        .build()),
                Set.of(),
                List.of(new QuotaSpec(
                        "frontend-empty", "empty-call", ServiceName.of("frontend"), 1, Duration.ofMinutes(1))));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(INTEROP, config).join();
        await().atMost(Duration.ofSeconds(2)).until(() -> server.routeConfig().equals(config));
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channelAs(frontend));

        StatusRuntimeException refused = null;
        for (int i = 0; i < 5 && refused == null; i++) {
            try {
                stub.emptyCall(Empty.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                refused = e;
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription())
                .contains("POST " + EMPTY_CALL + " is over the mesh-wide quota 'frontend-empty'")
                .contains("from frontend");
        // The quota covers that method only.
        assertThat(stub.unaryCall(SimpleRequest.getDefaultInstance())).isNotNull();
    }

    @Test
    void aRateLimitedMethodGetsResourceExhaustedAndOtherMethodsDoNot() {
        final RouteConfig config = new RouteConfig(List.of(RouteRule.builder("empty-call-1rps")
                .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, EMPTY_CALL), Set.of(), Map.of()))
                .rateLimit(new RateLimitSpec(1, false))
                .build()));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(INTEROP, config).join();
        await().atMost(Duration.ofSeconds(2)).until(() -> server.routeConfig().equals(config));
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channelAs(frontend));

        StatusRuntimeException refused = null;
        for (int i = 0; i < 5 && refused == null; i++) {
            try {
                stub.emptyCall(Empty.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                refused = e;
            }
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription())
                .contains("POST " + EMPTY_CALL + " is limited to 1.0 requests per second")
                .contains("the registry's rule 'empty-call-1rps'");
        assertThat(stub.unaryCall(SimpleRequest.getDefaultInstance())).isNotNull();
    }

    @Test
    void aConcurrencyLimitShedsWithUnavailableAndAnInjectedAbortIsItsGrpcStatus() throws Exception {
        final RouteConfig config = new RouteConfig(List.of(
                RouteRule.builder("one-stream")
                        .match(new RouteMatch(
                                PathMatch.of(PathMatch.Kind.EXACT, "/grpc.testing.TestService/StreamingOutputCall"),
                                Set.of(),
                                Map.of()))
                        .concurrencyLimit(1)
                        .build(),
                RouteRule.builder("empty-call-aborts")
                        .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, EMPTY_CALL), Set.of(), Map.of()))
                        .fault(new FaultSpec(0, null, 100, 503))
                        .build()));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(INTEROP, config).join();
        await().atMost(Duration.ofSeconds(2)).until(() -> server.routeConfig().equals(config));
        final ManagedChannel channel = channelAs(frontend);

        // One slow stream holds the only slot until its one answer, 3 s on.
        final var slow = io.grpc.testing.integration.Messages.StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(io.grpc.testing.integration.Messages.ResponseParameters.newBuilder()
                        .setSize(1)
                        .setIntervalUs(3_000_000))
                .build();
        final java.util.Iterator<?> holding = TestServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .streamingOutputCall(slow);
        await().atMost(Duration.ofSeconds(2)).until(() -> !meshDeadlines.isEmpty());
        assertThatThrownBy(() -> TestServiceGrpc.newBlockingStub(channel)
                        .streamingOutputCall(slow)
                        .forEachRemaining(response -> {}))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription())
                            .contains("has 1 requests in flight")
                            .contains("shed before any work");
                });
        holding.forEachRemaining(response -> {});

        assertThatThrownBy(() -> TestServiceGrpc.newBlockingStub(channel).emptyCall(Empty.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("fault injected by mesh4j (rule 'empty-call-aborts')");
                });
    }

    @Test
    void theCallersGrpcTimeoutBecomesTheMeshDeadlineAndARouteTimeoutEndsTheCallWithDeadlineExceeded() {
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channelAs(frontend));
        meshDeadlines.clear();
        stub.withDeadlineAfter(5, TimeUnit.SECONDS).emptyCall(Empty.getDefaultInstance());
        assertThat(meshDeadlines)
                .singleElement()
                .satisfies(left -> assertThat(left)
                        .isLessThanOrEqualTo(Duration.ofSeconds(5))
                        .isGreaterThan(Duration.ofSeconds(3)));

        // A mesh caller whose deadline has passed on the way (mesh-deadline: 0) is refused before any work.
        final Metadata late = new Metadata();
        late.put(Metadata.Key.of(Deadline.HEADER, Metadata.ASCII_STRING_MARSHALLER), "0");
        assertThatThrownBy(() -> stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(late))
                        .emptyCall(Empty.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("the caller's deadline had passed when the request arrived");
                });

        // The route's own timeout, shorter than any the caller set: the server ends the call.
        final RouteConfig config = new RouteConfig(List.of(RouteRule.builder("stream-200ms")
                .match(new RouteMatch(
                        PathMatch.of(PathMatch.Kind.EXACT, "/grpc.testing.TestService/StreamingOutputCall"),
                        Set.of(),
                        Map.of()))
                .timeout(Duration.ofMillis(200))
                .build()));
        RegistryAccess.ADMIN_CLIENT.get(registry).putRoutes(INTEROP, config).join();
        await().atMost(Duration.ofSeconds(2)).until(() -> server.routeConfig().equals(config));
        final var slow = io.grpc.testing.integration.Messages.StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(io.grpc.testing.integration.Messages.ResponseParameters.newBuilder()
                        .setSize(1)
                        .setIntervalUs(5_000_000))
                .build();
        assertThatThrownBy(() -> stub.streamingOutputCall(slow).forEachRemaining(response -> {}))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("deadline ran out on the server");
                });
    }

    @Test
    void healthAnswersServingWhileServingAndNotServingOnceTheServerDrains() {
        final MeshServer draining = MeshServer.builder("interop", registry.uri())
                .identity(TlsWorkloads.join(registry, "interop", toClose))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ofSeconds(3))
                .stopOnShutdown(false)
                .grpcService(new TestServiceImpl(testServiceExecutor))
                .build();
        draining.start().join();
        toClose.add(() -> draining.stop().join());
        final HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channelTo(draining, frontend));
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        final CompletableFuture<Void> stopping = draining.stop();
        // Draining for 3 s: still listening, and saying it is on its way out.
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
        // Callers that have not heard yet are still served while it drains.
        final TestServiceGrpc.TestServiceBlockingStub stub =
                TestServiceGrpc.newBlockingStub(channelTo(draining, frontend));
        assertThat(stub.emptyCall(Empty.getDefaultInstance())).isEqualTo(Empty.getDefaultInstance());
        stopping.join();
        // Closed: a stock client reads the closed listener as UNAVAILABLE, which it may retry elsewhere.
        assertThatThrownBy(() -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).emptyCall(Empty.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void anOversizedMessageGetsResourceExhaustedAndTheServerGoesOnServing() {
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channelAs(frontend));
        final SimpleRequest tooBig = SimpleRequest.newBuilder()
                .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[5 * 1024 * 1024])))
                .build();
        assertThatThrownBy(() -> stub.unaryCall(tooBig))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(stub.emptyCall(Empty.getDefaultInstance())).isEqualTo(Empty.getDefaultInstance());
    }

    @Test
    void aServerAskedToRunCallsOnTheEventLoopRunsThemThere() {
        final MeshServer onLoop = MeshServer.builder("interop", registry.uri())
                .identity(TlsWorkloads.join(registry, "interop", toClose))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .stopOnShutdown(false)
                .grpcOnEventLoop(true)
                .grpcService(ServerInterceptors.intercept(
                        new TestServiceImpl(testServiceExecutor), new ServerInterceptor() {
                            @Override
                            public <Q, R> ServerCall.Listener<Q> interceptCall(
                                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                                onEventLoop.add(ServiceRequestContext.current()
                                        .eventLoop()
                                        .inEventLoop());
                                return next.startCall(call, headers);
                            }
                        }))
                .build();
        onLoop.start().join();
        toClose.add(() -> onLoop.stop().join());
        final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", onLoop.port())
                .sslContext(sslContextOf(frontend))
                .build();
        toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

        assertThat(TestServiceGrpc.newBlockingStub(channel).unaryCall(requestOf(16)))
                .isNotNull();
        assertThat(TestServiceGrpc.newBlockingStub(channel).emptyCall(Empty.getDefaultInstance()))
                .isEqualTo(Empty.getDefaultInstance());
        assertThat(onEventLoop).hasSize(2).containsOnly(true);
    }

    @Test
    void theMessageLimitIsTheServersOwnToSet() {
        final MeshServer small = MeshServer.builder("interop", registry.uri())
                .identity(TlsWorkloads.join(registry, "interop", toClose))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .stopOnShutdown(false)
                .grpcMaxMessageSize(1024)
                .grpcService(new TestServiceImpl(testServiceExecutor))
                .build();
        small.start().join();
        toClose.add(() -> small.stop().join());
        final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", small.port())
                .sslContext(sslContextOf(frontend))
                .build();
        toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        final TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel);

        assertThatThrownBy(() -> stub.unaryCall(requestOf(2048)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("1024");
                });
        assertThat(stub.unaryCall(requestOf(512))).isNotNull();
        // The default server takes a message of 2 KiB.
        assertThat(TestServiceGrpc.newBlockingStub(channelAs(frontend)).unaryCall(requestOf(2048)))
                .isNotNull();
        assertThatThrownBy(() -> MeshServer.builder("interop", registry.uri()).grpcMaxMessageSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: > 0 bytes");
    }

    @Test
    void aMessageThatIsNotTheMethodsProtobufGetsInternalAndTheServerGoesOnServing() {
        final ManagedChannel channel = channelAs(frontend);
        // UnaryCall's name with bytes that are no SimpleRequest: a field tag of field 0, which protobuf refuses.
        final MethodDescriptor<byte[], byte[]> garbled = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("grpc.testing.TestService", "UnaryCall"))
                .setRequestMarshaller(new RawBytes())
                .setResponseMarshaller(new RawBytes())
                .build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        channel, garbled, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {
                            0, 0, 0
                        }))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
        assertThat(TestServiceGrpc.newBlockingStub(channel).emptyCall(Empty.getDefaultInstance()))
                .isEqualTo(Empty.getDefaultInstance());
    }

    private static SimpleRequest requestOf(int bytes) {
        return SimpleRequest.newBuilder()
                .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[bytes])))
                .build();
    }

    /** Bytes as they are, for a call that sends what no generated stub would. */
    private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void aPlaintextConnectionIsRefusedAtTheHandshake() {
        final ManagedChannel plaintext = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                .usePlaintext()
                .build();
        toClose.add(() -> plaintext.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        assertThatThrownBy(() -> TestServiceGrpc.newBlockingStub(plaintext)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .emptyCall(Empty.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
