package io.mesh4j.client.internal.retry;

import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.routing.RetrySpec.RetryOn;

/**
 * Retries what a route's {@code retry.on} names, as the operator wrote it, whatever the method: the shared
 * classifier still says what is a success. An operator who retries POSTs on 5xx has said they are safe to repeat.
 */
final class RetryOnClassifier implements ResponseClassifier {

    private final Set<RetryOn> on;
    private final ResponseClassifier delegate;

    RetryOnClassifier(Set<RetryOn> on, ResponseClassifier delegate) {
        this.on = Set.copyOf(on);
        this.delegate = delegate;
    }

    @Override
    public ResponseClass classify(HttpMethod method, @Nullable HttpStatus status, @Nullable Throwable cause) {
        final ResponseClass base = delegate.classify(method, status, cause);
        if (base == ResponseClass.SUCCESS) {
            return base;
        }
        return isRetryable(status, cause) ? ResponseClass.RETRYABLE_FAILURE : ResponseClass.FAILURE;
    }

    private boolean isRetryable(@Nullable HttpStatus status, @Nullable Throwable cause) {
        if (cause != null) {
            final Throwable peeled = Exceptions.peel(cause);
            return on.contains(RetryOn.UNPROCESSED) && peeled instanceof UnprocessedRequestException
                    || on.contains(RetryOn.TIMEOUT) && peeled instanceof ResponseTimeoutException;
        }
        if (status == null) {
            return false;
        }
        final int code = status.code();
        return on.contains(RetryOn.SERVER_ERROR) && code >= 500
                || on.contains(RetryOn.GATEWAY_ERROR) && (code == 502 || code == 503 || code == 504)
                || on.contains(RetryOn.UNAVAILABLE) && code == 503;
    }

    /**
     * A gRPC status is retried when {@code retry.on} names it, or, for {@code UNAVAILABLE}, names a 503 ({@code 503},
     * {@code gateway-error}, {@code 5xx}): gRPC reads a 502, 503 or 504 as {@code UNAVAILABLE}. Naming a status the
     * delegate calls a success ({@code cancelled}, {@code resource-exhausted}) makes it a retryable failure: the
     * operator said so. Any other status is what the delegate says, but never retried.
     */
    @Override
    public ResponseClass classifyGrpc(int status) {
        if (status != 0 && isRetryableGrpc(status)) {
            return ResponseClass.RETRYABLE_FAILURE;
        }
        final ResponseClass base = delegate.classifyGrpc(status);
        return base == ResponseClass.RETRYABLE_FAILURE ? ResponseClass.FAILURE : base;
    }

    private boolean isRetryableGrpc(int status) {
        switch (status) {
            case 1:
                return on.contains(RetryOn.GRPC_CANCELLED);
            case 4:
                return on.contains(RetryOn.GRPC_DEADLINE_EXCEEDED);
            case 8:
                return on.contains(RetryOn.GRPC_RESOURCE_EXHAUSTED);
            case 13:
                return on.contains(RetryOn.GRPC_INTERNAL);
            case 14:
                return on.contains(RetryOn.GRPC_UNAVAILABLE)
                        || on.contains(RetryOn.UNAVAILABLE)
                        || on.contains(RetryOn.GATEWAY_ERROR)
                        || on.contains(RetryOn.SERVER_ERROR);
            default:
                return false;
        }
    }

    @Override
    public String toString() {
        return "RetryOnClassifier(" + on + ')';
    }
}
