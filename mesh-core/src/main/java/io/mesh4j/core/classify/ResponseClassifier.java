package io.mesh4j.core.classify;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;

/**
 * Judges a response once, for retry, breaker and metrics alike, so that what one of them calls a failure the
 * others do too.
 */
@FunctionalInterface
public interface ResponseClassifier {

    /**
     * Classifies an attempt.
     *
     * @param method the request's method, which says whether repeating it is safe
     * @param status the response status, or {@code null} when no response came
     * @param cause  why no response came, or {@code null}
     * @return what the attempt means for retry, breaker and metrics
     */
    ResponseClass classify(HttpMethod method, @Nullable HttpStatus status, @Nullable Throwable cause);

    /**
     * Classifies a finished exchange from its log: by its gRPC status when it has one (in the response headers of
     * a trailers-only answer, else in the trailers), else by its HTTP status when an answer came, else by its
     * cause.
     *
     * @param method the request's method
     * @param log the exchange's log, complete up to its response headers or its failure
     * @return what the attempt means for retry, breaker and metrics
     */
    default ResponseClass classify(HttpMethod method, RequestLog log) {
        final HttpStatus status = log.responseHeaders().status();
        final boolean answered = status.code() > 0;
        if (answered) {
            final int grpcStatus = GrpcStatuses.of(log);
            if (grpcStatus >= 0) {
                return classifyGrpc(grpcStatus);
            }
        }
        return classify(method, answered ? status : null, answered ? null : log.responseCause());
    }

    /**
     * Classifies a gRPC call that ended with the status {@code grpcStatus} (a code of {@code io.grpc.Status.Code},
     * 0 for OK). The default, as gRPC's own retry policies and Linkerd read gRPC:
     * <ul>
     *   <li>{@code UNAVAILABLE} (14): retryable, as a 503 is: the service did not act on the call;</li>
     *   <li>the server's failures, {@code UNKNOWN} (2), {@code DEADLINE_EXCEEDED} (4), {@code RESOURCE_EXHAUSTED}
     *       (8), {@code UNIMPLEMENTED} (12), {@code INTERNAL} (13) and {@code DATA_LOSS} (15): failures, not
     *       retried, since a gRPC call is a POST;</li>
     *   <li>{@code OK} and the caller's own mistakes ({@code CANCELLED}, {@code INVALID_ARGUMENT},
     *       {@code NOT_FOUND}, {@code ALREADY_EXISTS}, {@code PERMISSION_DENIED}, {@code FAILED_PRECONDITION},
     *       {@code ABORTED}, {@code OUT_OF_RANGE}, {@code UNAUTHENTICATED}): success, as a 4xx is, since the
     *       service answered as it meant to.</li>
     * </ul>
     *
     * @param grpcStatus the call's gRPC status code, {@code >= 0}
     * @return what the call means for retry, breaker and metrics
     */
    default ResponseClass classifyGrpc(int grpcStatus) {
        return GrpcStatuses.classify(grpcStatus);
    }

    /**
     * The mesh's default, as Finagle and Linkerd classify HTTP:
     * <ul>
     *   <li>a request that never left the client (refused connection, no endpoint, open breaker), and a 503:
     *       retryable for every method, because the service did not act on it;</li>
     *   <li>any other 5xx, a reset stream or a timeout: retryable only for idempotent methods (GET, HEAD,
     *       OPTIONS, TRACE, PUT, DELETE), a failure otherwise;</li>
     *   <li>1xx to 4xx: success, since the service answered as it meant to.</li>
     * </ul>
     *
     * @return the default classifier, one shared instance
     */
    static ResponseClassifier ofDefault() {
        return DefaultResponseClassifier.INSTANCE;
    }
}
