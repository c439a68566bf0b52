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
     * Classifies a gRPC attempt that ended with {@code status}: the {@code grpc-status} its server sent in its
     * trailers, or in its headers for a trailers-only answer. The default, as Linkerd and Envoy read gRPC:
     * <ul>
     *   <li>{@code OK} (0): success;</li>
     *   <li>{@code UNAVAILABLE} (14): a retryable failure, for every method, as a 503 is: the service did not act;</li>
     *   <li>{@code UNKNOWN} (2), {@code DEADLINE_EXCEEDED} (4), {@code INTERNAL} (13), {@code DATA_LOSS} (15):
     *       a failure, counted by breakers and metrics and retried only where a route's {@code retry.on} names it;</li>
     *   <li>any other status: success, since the service answered as it meant to (the 4xx of gRPC:
     *       {@code INVALID_ARGUMENT}, {@code NOT_FOUND}, {@code UNIMPLEMENTED}...).</li>
     * </ul>
     *
     * @param status the gRPC status code, {@code 0..16}
     * @return what the attempt means for retry, breaker and metrics
     */
    default ResponseClass classifyGrpc(int status) {
        return DefaultResponseClassifier.classifyGrpcStatus(status);
    }

    /**
     * Classifies a finished exchange from its log: by its {@code grpc-status} when it is a gRPC answer (see
     * {@link #classifyGrpc}), else by its HTTP status when an answer came, else by its cause.
     *
     * @param method the request's method
     * @param log the exchange's log, complete up to its response headers or its failure
     * @return what the attempt means for retry, breaker and metrics
     */
    default ResponseClass classify(HttpMethod method, RequestLog log) {
        final int grpcStatus = DefaultResponseClassifier.grpcStatusOf(log);
        if (grpcStatus >= 0) {
            return classifyGrpc(grpcStatus);
        }
        final HttpStatus status = log.responseHeaders().status();
        final boolean answered = status.code() > 0;
        return classify(method, answered ? status : null, answered ? null : log.responseCause());
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
