package io.mesh4j.core.internal.grpc;

import java.util.List;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;

/**
 * The {@code grpc-status} of an answer, read once for the classifier, the spans, the metrics and hedging alike;
 * without a dependency on grpc-java, so that it stays in mesh-core (the codes are gRPC's wire values, which never
 * change).
 */
public final class GrpcStatuses {

    /** {@code UNKNOWN}: what a value no gRPC speaks is read as, as grpc-java reads it. */
    public static final int UNKNOWN = 2;

    private static final String HEADER = "grpc-status";

    /** The codes' names, as {@code io.grpc.Status.Code} spells them, by value. */
    private static final List<String> NAMES = List.of(
            "OK",
            "CANCELLED",
            "UNKNOWN",
            "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED",
            "NOT_FOUND",
            "ALREADY_EXISTS",
            "PERMISSION_DENIED",
            "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION",
            "ABORTED",
            "OUT_OF_RANGE",
            "UNIMPLEMENTED",
            "INTERNAL",
            "UNAVAILABLE",
            "DATA_LOSS",
            "UNAUTHENTICATED");

    /**
     * The {@code grpc-status} of a logged answer: in its headers when the answer is trailers-only (a gRPC server
     * that fails a call at once sends no body and no trailers), else in its trailers; -1 for an answer without one
     * (not gRPC, or an HTTP error from something in front of the gRPC server) or one whose headers are not in yet.
     */
    public static int of(RequestLog log) {
        if (!log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)) {
            return -1;
        }
        return of(
                log.responseHeaders(),
                log.isAvailable(RequestLogProperty.RESPONSE_TRAILERS) ? log.responseTrailers() : HttpHeaders.of());
    }

    /** The {@code grpc-status} of an answer with these headers and trailers; see {@link #of(RequestLog)}. */
    public static int of(HttpHeaders headers, HttpHeaders trailers) {
        @Nullable String value = headers.get(HEADER);
        if (value == null) {
            value = trailers.get(HEADER);
        }
        if (value == null) {
            return -1;
        }
        try {
            final int code = Integer.parseInt(value.trim());
            return code >= 0 && code < NAMES.size() ? code : UNKNOWN;
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    /** The name of {@code code}, such as {@code UNAVAILABLE} for 14; {@code UNKNOWN} for a code gRPC has not. */
    public static String name(int code) {
        return code >= 0 && code < NAMES.size() ? NAMES.get(code) : NAMES.get(UNKNOWN);
    }

    private GrpcStatuses() {}
}
