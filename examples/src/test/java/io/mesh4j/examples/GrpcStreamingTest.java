package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceBlockingStub;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceStub;
import io.grpc.testing.integration.TestServiceImpl;
import io.mesh4j.client.MeshClient;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.PathMatch;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/**
 * gRPC streams through the mesh, mesh server to mesh client over mTLS: a stream is not cut by the timeout meant for
 * a request and its answer, a timeout set for it still holds, the mesh's timeout reads {@code DEADLINE_EXCEEDED},
 * a draining server ends its streams with {@code UNAVAILABLE} so that they re-open elsewhere, and both sides count
 * the messages of each stream.
 */
class GrpcStreamingTest {

    private static final ServiceName INTEROP = ServiceName.of("interop");
    private static final String STREAMING_OUTPUT = "/grpc.testing.TestService/StreamingOutputCall";
    private static final String EMPTY_CALL = "/grpc.testing.TestService/EmptyCall";
    private static final Metadata.Key<String> INSTANCE =
            Metadata.Key.of("x-instance", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dataDir;

    private LocalMesh local;
    private ScheduledExecutorService executor;
    private final List<MeshTelemetry> telemetries = new ArrayList<>();

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
        executor = Executors.newScheduledThreadPool(4);
    }

    @AfterEach
    void stop() throws Exception {
        local.close();
        executor.shutdownNow();
        telemetries.forEach(MeshTelemetry::close);
    }

    private MeshTelemetry telemetry(String service) {
        final MeshTelemetry telemetry =
                MeshTelemetry.of(TelemetryConfig.builder().serviceName(service).build());
        telemetries.add(telemetry);
        return telemetry;
    }

    /**
     * An instance of {@code interop} serving the interop suite's TestService, naming itself in every answer's
     * headers; its EmptyCall answers after {@code emptyCallDelay}.
     */
    private MeshServer server(String name, Duration drainPeriod, MeshTelemetry telemetry, Duration emptyCallDelay) {
        final ServerInterceptor namesItself = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                final ServerCall<Q, R> naming = new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(Metadata answerHeaders) {
                        answerHeaders.put(INSTANCE, name);
                        super.sendHeaders(answerHeaders);
                    }
                };
                if (call.getMethodDescriptor().equals(TestServiceGrpc.getEmptyCallMethod())) {
                    return answerLater(naming, emptyCallDelay);
                }
                return next.startCall(naming, headers);
            }
        };
        final MeshServer server = MeshServer.builder("interop", local.uri())
                .identity(local.identity("interop"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(drainPeriod)
                .shutdownTimeout(Duration.ofSeconds(30))
                .stopOnShutdown(false)
                .telemetry(telemetry)
                .grpcService(ServerInterceptors.intercept(new TestServiceImpl(executor), namesItself))
                .build();
        server.start().join();
        return local.closeLater(server);
    }

    private MeshServer server(String name) {
        return server(name, Duration.ZERO, telemetry("interop"), Duration.ZERO);
    }

    @SuppressWarnings("unchecked")
    private <Q, R> ServerCall.Listener<Q> answerLater(ServerCall<Q, R> call, Duration delay) {
        call.request(1);
        return new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
                executor.schedule(
                        () -> {
                            call.sendHeaders(new Metadata());
                            call.sendMessage((R) Empty.getDefaultInstance());
                            call.close(Status.OK, new Metadata());
                        },
                        delay.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        };
    }

    private MeshClient client(ClientPolicy policy, MeshTelemetry telemetry, int instances) {
        final MeshClient mesh = local.closeLater(MeshClient.builder(local.uri())
                .identity(local.identity("frontend"))
                .policy("interop", policy)
                .telemetry(telemetry)
                .build());
        mesh.webClient(INTEROP); // the watch of a service starts with its first client
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.endpoints(INTEROP).size() == instances);
        return mesh;
    }

    private MeshClient client(ClientPolicy policy) {
        return client(policy, telemetry("frontend"), 1);
    }

    private void putRoute(MeshClient mesh, String path, Duration timeout) {
        final RouteConfig config = new RouteConfig(List.of(RouteRule.builder("timed")
                .match(new RouteMatch(PathMatch.of(PathMatch.Kind.EXACT, path), Set.of(), Map.of()))
                .timeout(timeout)
                .build()));
        RegistryAccess.ADMIN_CLIENT
                .get(local.registry())
                .putRoutes(INTEROP, config)
                .join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> mesh.routeConfig(INTEROP).equals(config));
    }

    /** A server-streaming call of {@code count} answers, {@code interval} apart. */
    private static StreamingOutputCallRequest answers(int count, Duration interval) {
        final StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
        for (int i = 0; i < count; i++) {
            request.addResponseParameters(
                    ResponseParameters.newBuilder().setSize(8).setIntervalUs((int)
                            TimeUnit.NANOSECONDS.toMicros(interval.toNanos())));
        }
        return request.build();
    }

    private static int drain(TestServiceBlockingStub stub, StreamingOutputCallRequest request) {
        final int[] received = {0};
        stub.streamingOutputCall(request).forEachRemaining(answer -> received[0]++);
        return received[0];
    }

    @Test
    void aStreamOutlivesThePolicyTimeoutThatEndsAUnaryCall() {
        server("a");
        final MeshClient mesh =
                client(ClientPolicy.builder().timeout(Duration.ofMillis(500)).build());
        final TestServiceBlockingStub stub = mesh.grpcClient("interop", TestServiceBlockingStub.class);

        // Four answers 400 ms apart: the stream lasts three times the policy's timeout, and is not cut.
        assertThat(drain(stub, answers(4, Duration.ofMillis(400)))).isEqualTo(4);

        // The stub's own deadline still ends it.
        assertThatThrownBy(() ->
                        drain(stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS), answers(4, Duration.ofMillis(400))))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    @Test
    void aTimeoutSetForTheStreamStillEndsIt() {
        server("a");
        final MeshClient mesh = client(ClientPolicy.ofDefaults());
        final TestServiceBlockingStub stub = mesh.grpcClient("interop", TestServiceBlockingStub.class);

        // A route rule's timeout for the method.
        putRoute(mesh, STREAMING_OUTPUT, Duration.ofMillis(500));
        assertThatThrownBy(() -> drain(stub, answers(4, Duration.ofMillis(400))))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    @Test
    void thePolicysStreamTimeoutEndsAStream() {
        server("a");
        final MeshClient mesh = client(
                ClientPolicy.builder().streamTimeout(Duration.ofMillis(500)).build());
        final TestServiceBlockingStub stub = mesh.grpcClient("interop", TestServiceBlockingStub.class);

        assertThatThrownBy(() -> drain(stub, answers(4, Duration.ofMillis(400))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("500 ms");
                });
    }

    @Test
    void theMeshTimeoutEndsAUnaryCallWithDeadlineExceededNamingIt() {
        server("a", Duration.ZERO, telemetry("interop"), Duration.ofSeconds(3));
        final MeshClient mesh = client(ClientPolicy.ofDefaults());
        final TestServiceBlockingStub stub = mesh.grpcClient("interop", TestServiceBlockingStub.class);
        putRoute(mesh, EMPTY_CALL, Duration.ofMillis(300));

        // No stub deadline: the route's 300 ms ends the call, and says so.
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> stub.emptyCall(Empty.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription()).contains("timeout");
                    });
        }
    }

    @Test
    void aDrainingServerEndsItsStreamsWithUnavailableAfterTheDrainPeriodAndTheyReopenElsewhere() throws Exception {
        final Duration drainPeriod = Duration.ofSeconds(1);
        final Map<String, MeshServer> servers = Map.of(
                "a", server("a", drainPeriod, telemetry("interop"), Duration.ZERO),
                "b", server("b", drainPeriod, telemetry("interop"), Duration.ZERO));
        final MeshClient mesh = client(ClientPolicy.ofDefaults(), telemetry("frontend"), 2);
        final TestServiceStub stub = mesh.grpcClient("interop", TestServiceStub.class);

        // A stream of 200 answers 100 ms apart: 20 s, longer than any timeout here but the shutdown's.
        final Stream first = Stream.open(stub, answers(200, Duration.ofMillis(100)));
        first.answers.poll(5, TimeUnit.SECONDS);
        final String drained = first.instance();
        final long stopping = System.nanoTime();
        final CompletableFuture<Void> stopped = servers.get(drained).stop();

        final Status status = first.awaitStatus(Duration.ofSeconds(10));
        final Duration took = Duration.ofNanos(System.nanoTime() - stopping);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("draining");
        // After the drain period, not at once, and long before the shutdown timeout (30 s).
        assertThat(took).isBetween(drainPeriod.minusMillis(100), drainPeriod.plusSeconds(4));
        stopped.get(10, TimeUnit.SECONDS);

        // Re-opened through the same client, the stream lands on the other instance.
        final Stream reopened = Stream.open(stub, answers(2, Duration.ofMillis(10)));
        assertThat(reopened.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
        assertThat(reopened.instance()).isEqualTo(drained.equals("a") ? "b" : "a");
    }

    @Test
    void bothSidesCountTheMessagesOfAStream() {
        final MeshTelemetry serverTelemetry = telemetry("interop");
        final MeshTelemetry clientTelemetry = telemetry("frontend");
        server("a", Duration.ZERO, serverTelemetry, Duration.ZERO);
        final MeshClient mesh = client(ClientPolicy.ofDefaults(), clientTelemetry, 1);
        final TestServiceStub stub = mesh.grpcClient("interop", TestServiceStub.class);

        final CompletableFuture<StreamingInputCallResponse> aggregated = new CompletableFuture<>();
        final StreamObserver<StreamingInputCallRequest> inputs = stub.streamingInputCall(new StreamObserver<>() {
            @Override
            public void onNext(StreamingInputCallResponse value) {
                aggregated.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                aggregated.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        });
        for (int i = 0; i < 7; i++) {
            inputs.onNext(StreamingInputCallRequest.getDefaultInstance());
        }
        inputs.onCompleted();
        aggregated.join();

        final String route = "route=\"/grpc.testing.TestService/StreamingInputCall\",service=\"interop\"";
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(clientTelemetry.scrape())
                        .contains("mesh_client_grpc_stream_messages_count{direction=\"sent\"," + route + "} 1\n")
                        .contains("mesh_client_grpc_stream_messages_sum{direction=\"sent\"," + route + "} 7.0")
                        .contains("mesh_client_grpc_stream_messages_sum{direction=\"received\"," + route + "} 1.0"));
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(serverTelemetry.scrape())
                        .contains("mesh_server_grpc_stream_messages_sum{direction=\"received\"," + route + "} 7.0")
                        .contains("mesh_server_grpc_stream_messages_sum{direction=\"sent\"," + route + "} 1.0"));
        // Unary calls are not counted: one message each way, nothing to learn.
        mesh.grpcClient("interop", TestServiceBlockingStub.class).emptyCall(Empty.getDefaultInstance());
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(clientTelemetry.scrape())
                        .contains("route=\"/grpc.testing.TestService/EmptyCall\"")
                        .doesNotContainPattern("mesh_client_grpc_stream_messages_count\\{[^}]*EmptyCall"));
    }

    /** An open server-streaming call: the instance that answers it, its answers as they come, how it ends. */
    private static final class Stream implements StreamObserver<StreamingOutputCallResponse> {
        final LinkedBlockingQueue<StreamingOutputCallResponse> answers = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> done = new CompletableFuture<>();
        final AtomicReference<Metadata> headers = new AtomicReference<>();

        static Stream open(TestServiceStub stub, StreamingOutputCallRequest request) {
            final Stream stream = new Stream();
            stub.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(stream.headers, new AtomicReference<>()))
                    .streamingOutputCall(request, stream);
            return stream;
        }

        String instance() {
            await().atMost(Duration.ofSeconds(5)).until(() -> headers.get() != null);
            return headers.get().get(INSTANCE);
        }

        @Override
        public void onNext(StreamingOutputCallResponse value) {
            answers.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            done.complete(Status.OK);
        }

        Status awaitStatus(Duration atMost) throws ExecutionException, InterruptedException {
            try {
                return done.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the stream did not end within " + atMost, e);
            }
        }
    }
}
