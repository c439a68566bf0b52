package io.mesh4j.core.classify;

import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.util.Exceptions;

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

    @Override
    public String toString() {
        return "ResponseClassifier.ofDefault()";
    }
}
