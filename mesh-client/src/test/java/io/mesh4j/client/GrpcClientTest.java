package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceBlockingStub;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceFutureStub;
import io.grpc.testing.integration.TestServiceGrpc.TestServiceStub;
import io.grpc.testing.integration.UnimplementedServiceGrpc;
import io.mesh4j.client.breaker.BreakerConfig;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.internal.RegistryAccess;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * The mesh's gRPC stubs against a stock grpc-java server: the gRPC interop suite's cases (the calls of grpc-java's
 * {@code AbstractInteropTest}, made through {@code MeshClient.grpcClient}), over registry discovery and mTLS with
 * the server's SPIFFE ID checked; the deadline on the wire; the client span.
 */
class GrpcClientTest extends GrpcTestBase {

    @Test
    void runsTheInteropCasesAgainstAStockGrpcServerOverMutualTls() throws Exception {
        final GrpcBackend server = backend(identity("orders"), "orders-1");
        final MeshClient mesh = mesh();
        connected(mesh, 1);
        final TestServiceBlockingStub blocking = mesh.grpcClient("orders", TestServiceBlockingStub.class);
        final TestServiceStub async = mesh.grpcClient("orders", TestServiceStub.class);
        assertThat(mesh.grpcClient("orders", TestServiceBlockingStub.class)).isSameAs(blocking);

        // empty_unary
        assertThat(blocking.emptyCall(EMPTY)).isEqualTo(EMPTY);

        // large_unary
        final SimpleResponse large = blocking.unaryCall(SimpleRequest.newBuilder()
                .setResponseSize(314159)
                .setPayload(zeros(271828))
                .build());
        assertThat(large.getPayload().getBody().size()).isEqualTo(314159);

        // large_unary through the future stub too
        final TestServiceFutureStub future = mesh.grpcClient("orders", TestServiceFutureStub.class);
        assertThat(future.unaryCall(
                                SimpleRequest.newBuilder().setResponseSize(10).build())
                        .get(5, TimeUnit.SECONDS)
                        .getPayload()
                        .getBody()
                        .size())
                .isEqualTo(10);

        // client_streaming
        final Recorded<StreamingInputCallResponse> aggregated = new Recorded<>();
        final StreamObserver<StreamingInputCallRequest> inputs = async.streamingInputCall(aggregated);
        for (int size : new int[] {27182, 8, 1828, 45904}) {
            inputs.onNext(StreamingInputCallRequest.newBuilder()
                    .setPayload(zeros(size))
                    .build());
        }
        inputs.onCompleted();
        assertThat(aggregated.awaitValues())
                .singleElement()
                .satisfies(response ->
                        assertThat(response.getAggregatedPayloadSize()).isEqualTo(74922));

        // server_streaming
        final int[] sizes = {31415, 9, 2653, 58979};
        final StreamingOutputCallRequest.Builder outputs = StreamingOutputCallRequest.newBuilder();
        for (int size : sizes) {
            outputs.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
        }
        final List<Integer> received = new ArrayList<>();
        blocking.streamingOutputCall(outputs.build())
                .forEachRemaining(
                        response -> received.add(response.getPayload().getBody().size()));
        assertThat(received).containsExactly(31415, 9, 2653, 58979);

        // ping_pong
        final int[] requestSizes = {27182, 8, 1828, 45904};
        final PingPong pingPong = new PingPong();
        final StreamObserver<StreamingOutputCallRequest> pings = async.fullDuplexCall(pingPong);
        for (int i = 0; i < sizes.length; i++) {
            pings.onNext(StreamingOutputCallRequest.newBuilder()
                    .addResponseParameters(ResponseParameters.newBuilder().setSize(sizes[i]))
                    .setPayload(zeros(requestSizes[i]))
                    .build());
            // One answer per request before the next: the call streams both ways, unbuffered.
            assertThat(pingPong.responses
                            .poll(5, TimeUnit.SECONDS)
                            .getPayload()
                            .getBody()
                            .size())
                    .isEqualTo(sizes[i]);
        }
        pings.onCompleted();
        assertThat(pingPong.done.get(5, TimeUnit.SECONDS)).isNull();

        // empty_stream
        final Recorded<StreamingOutputCallResponse> none = new Recorded<>();
        async.fullDuplexCall(none).onCompleted();
        assertThat(none.awaitValues()).isEmpty();

        // cancel_after_begin
        final Recorded<StreamingInputCallResponse> cancelled = new Recorded<>();
        async.streamingInputCall(cancelled).onError(new RuntimeException("cancelled by the test"));
        assertThat(cancelled.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);

        // cancel_after_first_response
        final PingPong first = new PingPong();
        final StreamObserver<StreamingOutputCallRequest> once = async.fullDuplexCall(first);
        once.onNext(StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(ResponseParameters.newBuilder().setSize(31415))
                .setPayload(zeros(27182))
                .build());
        assertThat(first.responses
                        .poll(5, TimeUnit.SECONDS)
                        .getPayload()
                        .getBody()
                        .size())
                .isEqualTo(31415);
        once.onError(new RuntimeException("cancelled by the test"));
        assertThat(first.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);

        // timeout_on_sleeping_server
        final Recorded<StreamingOutputCallResponse> sleeping = new Recorded<>();
        final StreamObserver<StreamingOutputCallRequest> sleepy =
                async.withDeadlineAfter(1, TimeUnit.MILLISECONDS).fullDuplexCall(sleeping);
        sleepy.onNext(
                StreamingOutputCallRequest.newBuilder().setPayload(zeros(27182)).build());
        assertThat(sleeping.awaitStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

        // custom_metadata
        final Metadata sent = new Metadata();
        final Metadata.Key<String> initial =
                Metadata.Key.of("x-grpc-test-echo-initial", Metadata.ASCII_STRING_MARSHALLER);
        final Metadata.Key<byte[]> trailing =
                Metadata.Key.of("x-grpc-test-echo-trailing-bin", Metadata.BINARY_BYTE_MARSHALLER);
        sent.put(initial, "test_initial_metadata_value");
        sent.put(trailing, new byte[] {(byte) 0xab, (byte) 0xab, (byte) 0xab});
        final AtomicReference<Metadata> headers = new AtomicReference<>();
        final AtomicReference<Metadata> trailers = new AtomicReference<>();
        blocking.withInterceptors(
                        MetadataUtils.newAttachHeadersInterceptor(sent),
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .unaryCall(SimpleRequest.newBuilder()
                        .setResponseSize(314159)
                        .setPayload(zeros(271828))
                        .build());
        assertThat(headers.get().get(initial)).isEqualTo("test_initial_metadata_value");
        assertThat(trailers.get().get(trailing)).containsExactly(0xab, 0xab, 0xab);

        // status_code_and_message
        assertThatThrownBy(() -> blocking.unaryCall(SimpleRequest.newBuilder()
                        .setResponseStatus(EchoStatus.newBuilder().setCode(2).setMessage("test status message"))
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                    assertThat(e.getStatus().getDescription()).isEqualTo("test status message");
                });
        final Recorded<StreamingOutputCallResponse> echoed = new Recorded<>();
        final StreamObserver<StreamingOutputCallRequest> echo = async.fullDuplexCall(echoed);
        echo.onNext(StreamingOutputCallRequest.newBuilder()
                .setResponseStatus(EchoStatus.newBuilder().setCode(2).setMessage("test status message"))
                .build());
        echo.onCompleted();
        assertThat(echoed.awaitStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(echoed.awaitStatus().getDescription()).isEqualTo("test status message");

        // special_status_message
        final String special = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";
        assertThatThrownBy(() -> blocking.unaryCall(SimpleRequest.newBuilder()
                        .setResponseStatus(EchoStatus.newBuilder().setCode(2).setMessage(special))
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                    assertThat(e.getStatus().getDescription()).isEqualTo(special);
                });

        // unimplemented_method
        assertThatThrownBy(() -> blocking.unimplementedCall(EMPTY))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

        // unimplemented_service
        final UnimplementedServiceGrpc.UnimplementedServiceBlockingStub unimplemented =
                mesh.grpcClient("orders", UnimplementedServiceGrpc.UnimplementedServiceBlockingStub.class);
        assertThatThrownBy(() -> unimplemented.unimplementedCall(EMPTY))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

        // Every call went through the mesh to the one registered instance, whose certificate says orders.
        assertThat(server.calls)
                .contains("grpc.testing.TestService/EmptyCall", "grpc.testing.TestService/FullDuplexCall");
        assertThat(mesh.describeStack()).endsWith("mTLS (server's SPIFFE ID checked)");
    }

    /** The README's gRPC client snippet, as it is written there. */
    @Test
    void theReadmeSnippetRuns() throws Exception {
        backend(identity("orders"), "orders-1");
        final java.net.URI registry = this.registry.uri();
        final WorkloadIdentity identity = identity("checkout");

        MeshClient mesh = MeshClient.builder(registry).identity(identity).build();
        toClose.add(mesh);
        TestServiceGrpc.TestServiceBlockingStub orders =
                mesh.grpcClient("orders", TestServiceGrpc.TestServiceBlockingStub.class);

        // The route of this call is /grpc.testing.TestService/UnaryCall; the mesh's timeout goes as grpc-timeout.
        SimpleResponse answer = orders.withDeadlineAfter(2, TimeUnit.SECONDS)
                .unaryCall(SimpleRequest.newBuilder().setResponseSize(10).build());

        assertThat(answer.getPayload().getBody().size()).isEqualTo(10);
    }

    @Test
    void refusesAServerWhoseCertificateIsAnotherServicesAndNeverSendsItTheCall() throws Exception {
        final WorkloadIdentity payments = identity("payments");
        final GrpcBackend impostor =
                GrpcBackend.start(payments, "orders", "orders-1", Status.OK, RegistryAccess.ADMIN_CLIENT.get(registry));
        toClose.add(impostor);
        final MeshClient mesh = mesh();
        connected(mesh, 1);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        assertThatThrownBy(() -> orders.emptyCall(EMPTY))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(impostor.hits).hasValue(0);
    }

    @Test
    void sendsTheMeshDeadlineAsGrpcTimeoutAndKeepsAShorterStubDeadline() throws Exception {
        final GrpcBackend server = backend(identity("orders"), "orders-1");
        final MeshClient mesh = mesh(MeshClient.builder(registry.uri())
                .identity(identity("checkout"))
                .policy(
                        "orders",
                        ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build()));
        connected(mesh, 1);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        // The policy's 2 s, with no deadline on the stub.
        orders.emptyCall(EMPTY);
        // A stub deadline shorter than the policy's is kept...
        orders.withDeadlineAfter(500, TimeUnit.MILLISECONDS).emptyCall(EMPTY);
        // ...and a longer one is cut to the policy's.
        orders.withDeadlineAfter(30, TimeUnit.SECONDS).emptyCall(EMPTY);

        final List<Long> deadlines = new ArrayList<>(server.deadlines);
        assertThat(deadlines).hasSize(3);
        assertThat(deadlines.get(0))
                .isPositive()
                .isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(deadlines.get(0)).isGreaterThan(Duration.ofSeconds(1).toNanos());
        assertThat(deadlines.get(1))
                .isPositive()
                .isLessThanOrEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(deadlines.get(2))
                .isPositive()
                .isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());
        // The mesh's own header travels beside it, for a mesh server.
        assertThat(server.meshDeadlines).allSatisfy(header -> assertThat(header).isNotEmpty());
    }

    @Test
    void aCallTheMeshTimeoutEndsIsDeadlineExceededNamingIt() throws Exception {
        // A stock grpc-java server ends a call at its deadline (the mesh's timeout, sent as grpc-timeout) by
        // resetting the stream, which races the client's own timeout: either way the stub hears the timeout.
        final GrpcBackend server = backend(identity("orders"), "orders-1").slowEmptyCalls(Duration.ofSeconds(3));
        final MeshClient mesh = mesh(MeshClient.builder(registry.uri())
                .identity(identity("checkout"))
                .policy(
                        "orders",
                        ClientPolicy.builder()
                                .timeout(Duration.ofMillis(300))
                                // Timeouts are failures: a breaker that never opens keeps calling the one instance.
                                .breaker(BreakerConfig.builder()
                                        .consecutiveFailures(1000)
                                        .slidingWindow(1000, 1000)
                                        .build())
                                .build()));
        connected(mesh, 1);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> orders.emptyCall(EMPTY))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription())
                                .startsWith("the mesh's timeout of 300 ms for /grpc.testing.TestService/EmptyCall");
                    });
        }
        // A stub deadline sooner than the mesh's ends the call as gRPC has it.
        assertThatThrownBy(() ->
                        orders.withDeadlineAfter(100, TimeUnit.MILLISECONDS).emptyCall(EMPTY))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).doesNotContain("mesh's timeout");
                });
        assertThat(server.hits).hasValue(6);
    }

    @Test
    void theClientSpanFollowsTheRpcConventions() throws Exception {
        final InMemorySpanExporter spans = InMemorySpanExporter.create();
        final MeshTelemetry telemetry = MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName("checkout")
                .spanExporter(spans)
                .build());
        toClose.add(telemetry::close);
        backend(identity("orders"), "orders-1");
        final MeshClient mesh = mesh(MeshClient.builder(registry.uri())
                .identity(identity("checkout"))
                .telemetry(telemetry));
        connected(mesh, 1);
        final TestServiceBlockingStub orders = mesh.grpcClient("orders", TestServiceBlockingStub.class);

        orders.emptyCall(EMPTY);
        assertThatThrownBy(() -> orders.unimplementedCall(EMPTY)).isInstanceOf(StatusRuntimeException.class);

        await().atMost(Duration.ofSeconds(5))
                .until(() -> spans.getFinishedSpanItems().size() == 2);
        final SpanData ok = span(spans, "grpc.testing.TestService/EmptyCall");
        assertThat(ok.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("grpc");
        assertThat(ok.getAttributes().get(AttributeKey.stringKey("rpc.service")))
                .isEqualTo("grpc.testing.TestService");
        assertThat(ok.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("EmptyCall");
        assertThat(ok.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")))
                .isEqualTo(0L);
        assertThat(ok.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        final SpanData unimplemented = span(spans, "grpc.testing.TestService/UnimplementedCall");
        assertThat(unimplemented.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")))
                .isEqualTo((long) Status.Code.UNIMPLEMENTED.value());
        assertThat(unimplemented.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        // The golden metrics name the method as the route, and judge the answer by its gRPC status: UNIMPLEMENTED
        // is the caller's mistake, not the service's failure.
        assertThat(telemetry.scrape())
                .contains("route=\"/grpc.testing.TestService/EmptyCall\"")
                .containsPattern("mesh_client_requests_seconds_count\\{method=\"POST\",outcome=\"success\","
                        + "route=\"/grpc.testing.TestService/UnimplementedCall\"")
                // And by the gRPC status it ended with, which the request series' HTTP 200 cannot say.
                .containsPattern("mesh_client_grpc_responses_total\\{grpc_status=\"UNIMPLEMENTED\","
                        + "route=\"/grpc.testing.TestService/UnimplementedCall\",service=\"[a-z-]+\"} 1.0")
                .containsPattern("mesh_client_grpc_responses_total\\{grpc_status=\"OK\","
                        + "route=\"/grpc.testing.TestService/EmptyCall\",service=\"[a-z-]+\"}");
    }

    private static SpanData span(InMemorySpanExporter spans, String name) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + spans.getFinishedSpanItems()));
    }

    /** What a call's response observer got: its values, and how it ended. */
    static class Recorded<T> implements StreamObserver<T> {
        final List<T> values = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }

        List<T> awaitValues() throws Exception {
            done.get(5, TimeUnit.SECONDS);
            return values;
        }

        Status awaitStatus() {
            try {
                done.get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                return Status.fromThrowable(e.getCause());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return Status.OK;
        }
    }

    /** A full-duplex call's observer that hands each answer over as it comes. */
    static final class PingPong extends Recorded<StreamingOutputCallResponse> {
        final LinkedBlockingQueue<StreamingOutputCallResponse> responses = new LinkedBlockingQueue<>();

        @Override
        public void onNext(StreamingOutputCallResponse value) {
            responses.add(value);
        }
    }
}
