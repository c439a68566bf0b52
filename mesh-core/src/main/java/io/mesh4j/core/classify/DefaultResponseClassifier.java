package io.mesh4j.core.classify;

import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.internal.grpc.GrpcStatuses;

/** See {@link ResponseClassifier#ofDefault()}. */
final class DefaultResponseClassifier implements ResponseClassifier {

    static final DefaultResponseClassifier INSTANCE = new DefaultResponseClassifier();

    /** RFC 9110, section 9.2.2: repeating these has the same effect as sending them once. */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    @Override
    public ResponseClass classify(HttpMethod method, @Nullable HttpStatus status, @Nullable Throwable cause) {
        if (cause != null) {
            if (Exceptions.peel(cause) instanceof UnprocessedRequestException) {
                return ResponseClass.RETRYABLE_FAILURE;
            }
            return IDEMPOTENT.contains(method) ? ResponseClass.RETRYABLE_FAILURE : ResponseClass.FAILURE;
        }
        if (status == null || status.code() < 500) {
            return ResponseClass.SUCCESS;
        }
        if (status.equals(HttpStatus.SERVICE_UNAVAILABLE)) {
            return ResponseClass.RETRYABLE_FAILURE;
        }
        return IDEMPOTENT.contains(method) ? ResponseClass.RETRYABLE_FAILURE : ResponseClass.FAILURE;
    }

    /** gRPC's status codes (grpc/doc/statuscodes.md) the default classifier reads. */
    private static final int GRPC_OK = 0;

    private static final int GRPC_UNKNOWN = 2;
    private static final int GRPC_DEADLINE_EXCEEDED = 4;
    private static final int GRPC_INTERNAL = 13;
    private static final int GRPC_UNAVAILABLE = 14;
    private static final int GRPC_DATA_LOSS = 15;

    /** See {@link ResponseClassifier#classifyGrpc(int)}. */
    static ResponseClass classifyGrpcStatus(int status) {
        switch (status) {
            case GRPC_OK:
                return ResponseClass.SUCCESS;
            case GRPC_UNAVAILABLE:
                return ResponseClass.RETRYABLE_FAILURE;
            case GRPC_UNKNOWN:
            case GRPC_DEADLINE_EXCEEDED:
            case GRPC_INTERNAL:
            case GRPC_DATA_LOSS:
                return ResponseClass.FAILURE;
            default:
                return ResponseClass.SUCCESS;
        }
    }

    /** See {@link GrpcStatuses#of(RequestLog)}. */
    static int grpcStatusOf(RequestLog log) {
        return GrpcStatuses.of(log);
    }

    @Override
    public String toString() {
        return "ResponseClassifier.ofDefault()";
    }
}
