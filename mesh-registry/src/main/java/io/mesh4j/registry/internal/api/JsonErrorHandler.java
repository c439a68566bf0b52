package io.mesh4j.registry.internal.api;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.ErrorCode;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.registry.internal.instances.RegistryUnavailableException;
import io.mesh4j.registry.internal.store.StoreUnavailableException;

/**
 * Turns every failure into the contract's error body, {@code {"error": ..., "message": ...}}: bad input from the
 * handlers, and what Armeria answers itself (no such path, a body over the limit, a timeout), which would
 * otherwise be plain text.
 */
final class JsonErrorHandler implements ServerErrorHandler {

    private static final Logger logger = LoggerFactory.getLogger(JsonErrorHandler.class);

    @Override
    public @Nullable HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        final Throwable peeled = peel(cause);
        if (peeled instanceof InvalidInputException invalid) {
            return JsonResponses.error(invalid.code(), invalid.getMessage());
        }
        if (peeled instanceof ContentTooLargeException) {
            return JsonResponses.error(ErrorCode.BODY_TOO_LARGE, bodyTooLarge());
        }
        if (peeled instanceof RegistryUnavailableException unavailable) {
            return JsonResponses.error(ErrorCode.UNAVAILABLE, unavailable.getMessage());
        }
        if (peeled instanceof StoreUnavailableException unavailable) {
            // etcd has no quorum, or cannot be reached: nothing was written, and the caller may try again.
            return JsonResponses.error(ErrorCode.UNAVAILABLE, unavailable.getMessage());
        }
        if (peeled != cause) {
            // Let the default handler see what really failed (a timeout, a status exception).
            return ServerErrorHandler.ofDefault().onServiceException(ctx, peeled);
        }
        return null;
    }

    @Override
    public AggregatedHttpResponse renderStatus(
            @Nullable ServiceRequestContext ctx,
            ServiceConfig config,
            @Nullable RequestHeaders headers,
            HttpStatus status,
            @Nullable String description,
            @Nullable Throwable cause) {
        if (status.isContentAlwaysEmpty()) {
            return AggregatedHttpResponse.of(ResponseHeaders.of(status));
        }
        if (status.code() >= 500 && cause != null && !(peel(cause) instanceof ClosedSessionException)) {
            // A closed session is a caller that went away (a watcher that stopped, a process that died): nobody
            // reads this answer, and it is no fault of the registry's.
            logger.warn(
                    "{} {}: answering {}",
                    headers == null ? "?" : headers.method(),
                    headers == null ? "?" : headers.path(),
                    status,
                    cause);
        }
        return JsonResponses.error(status, body(headers, status, description));
    }

    private static ErrorBody body(@Nullable RequestHeaders headers, HttpStatus status, @Nullable String description) {
        final String request = headers == null ? "the request" : headers.method() + " " + headers.path();
        switch (status.code()) {
            case 404:
                return ErrorBody.of(
                        ErrorCode.NOT_FOUND,
                        "no such path: " + request + " (expected one of: " + String.join(", ", RegistryApi.PATHS)
                                + ')');
            case 405:
                return ErrorBody.of(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed: " + request);
            case 413:
                return ErrorBody.of(
                        ErrorCode.BODY_TOO_LARGE,
                        headers != null && RegistryApi.CSR.equals(headers.path())
                                ? IdentityService.bodyTooLarge()
                                : bodyTooLarge());
            case 500:
                return ErrorBody.of(ErrorCode.INTERNAL, "the registry failed on " + request + "; see its log");
            case 503:
                return ErrorBody.of(
                        ErrorCode.UNAVAILABLE,
                        "the registry could not answer " + request + " in time, or is stopping; try again");
            default:
                // No contract code for it (a malformed request line, say): the same name a client gives an
                // error body it cannot read.
                return new ErrorBody(
                        "http_" + status.code(),
                        (description != null ? description : status.reasonPhrase()) + ": " + request);
        }
    }

    private static String bodyTooLarge() {
        return "the body is over " + RegistryApi.MAX_BODY_BYTES / 1024 + " KiB (expected: one registration, "
                + "a few hundred bytes; trim the metadata)";
    }

    private static Throwable peel(Throwable cause) {
        Throwable peeled = cause;
        while ((peeled instanceof CompletionException || peeled instanceof ExecutionException)
                && peeled.getCause() != null) {
            peeled = peeled.getCause();
        }
        return peeled;
    }
}
