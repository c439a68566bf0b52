package io.mesh4j.benchmarks.hop;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;

import io.grpc.stub.StreamObserver;
import io.mesh4j.benchmarks.hop.echo.EchoGrpc;
import io.mesh4j.benchmarks.hop.echo.EchoMessage;
import io.mesh4j.benchmarks.load.Call;

/**
 * The gRPC paths' echo: a unary call whose answer is its request, carrying the same bytes as the HTTP paths'
 * {@link JsonEcho}. As that one, it does no work of its own, so that what is measured is the path.
 */
final class GrpcEcho extends EchoGrpc.EchoImplBase {

    /** The request every call sends: {@link JsonEcho#BODY}, made once. */
    static final EchoMessage REQUEST =
            EchoMessage.newBuilder().setBody(ByteString.copyFrom(JsonEcho.BODY)).build();

    /**
     * What a {@link Call} of a path that is not HTTP completes with once its answer was checked: the load loops
     * count a 200 as a success, and the client's first check reads the echoed body. One instance, never changed.
     */
    static final AggregatedHttpResponse ECHOED =
            AggregatedHttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, JsonEcho.BODY);

    @Override
    public void echo(EchoMessage request, StreamObserver<EchoMessage> responseObserver) {
        responseObserver.onNext(request);
        responseObserver.onCompleted();
    }

    /** One call of {@code stub} per {@link Call#send()}, its answer checked against the request. */
    static Call call(EchoGrpc.EchoStub stub) {
        return () -> {
            final CompletableFuture<AggregatedHttpResponse> done = new CompletableFuture<>();
            stub.echo(REQUEST, new StreamObserver<>() {
                private boolean echoed;

                @Override
                public void onNext(EchoMessage answer) {
                    echoed = answer.getBody().equals(REQUEST.getBody());
                }

                @Override
                public void onError(Throwable cause) {
                    done.completeExceptionally(cause);
                }

                @Override
                public void onCompleted() {
                    if (echoed) {
                        done.complete(ECHOED);
                    } else {
                        done.completeExceptionally(new IllegalStateException("the gRPC echo answered other bytes "
                                + "than it was sent (expected: " + Arrays.toString(JsonEcho.BODY) + ')'));
                    }
                }
            });
            return done;
        };
    }
}
