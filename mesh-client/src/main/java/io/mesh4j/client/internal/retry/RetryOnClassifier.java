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

    @Override
    public String toString() {
        return "RetryOnClassifier(" + on + ')';
    }
}
