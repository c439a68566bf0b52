package io.mesh4j.core.classify;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;

/**
 * Reads the gRPC status of a logged exchange and classifies it; without a dependency on grpc-java, so that the
 * classifier stays in mesh-core (the codes are gRPC's wire values, which never change).
 */
final class GrpcStatuses {

    static final String HEADER = "grpc-status";

    private static final int UNKNOWN = 2;
    private static final int DEADLINE_EXCEEDED = 4;
    private static final int RESOURCE_EXHAUSTED = 8;
    private static final int UNIMPLEMENTED = 12;
    private static final int INTERNAL = 13;
    private static final int UNAVAILABLE = 14;
    private static final int DATA_LOSS = 15;

    /** The gRPC status in the response headers (trailers-only), else the trailers; -1 when there is none. */
    static int of(RequestLog log) {
        final int inHeaders = parse(log.responseHeaders());
        if (inHeaders >= 0 || !log.isAvailable(RequestLogProperty.RESPONSE_TRAILERS)) {
            return inHeaders;
        }
        return parse(log.responseTrailers());
    }

    private static int parse(HttpHeaders headers) {
        final @Nullable String value = headers.get(HEADER);
        if (value == null) {
            return -1;
        }
        try {
            final int code = Integer.parseInt(value.trim());
            // A value no gRPC speaks is UNKNOWN, as grpc-java reads it.
            return code >= 0 && code <= 16 ? code : UNKNOWN;
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    static ResponseClass classify(int code) {
        switch (code) {
            case UNAVAILABLE:
                return ResponseClass.RETRYABLE_FAILURE;
            case UNKNOWN:
            case DEADLINE_EXCEEDED:
            case RESOURCE_EXHAUSTED:
            case UNIMPLEMENTED:
            case INTERNAL:
            case DATA_LOSS:
                return ResponseClass.FAILURE;
            default:
                return ResponseClass.SUCCESS;
        }
    }

    private GrpcStatuses() {}
}
