package io.mesh4j.client.internal.grpc;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;

import io.grpc.MethodDescriptor;
import io.netty.util.AttributeKey;

/** What the outbound layers read of a gRPC call: its method, and the status it ended with. */
public final class GrpcCalls {

    /** The gRPC method of a call made by a mesh gRPC stub, set before any layer runs ({@link GrpcPreprocessor}). */
    public static final AttributeKey<MethodDescriptor<?, ?>> METHOD = AttributeKey.valueOf(GrpcCalls.class, "METHOD");

    private static final String GRPC_STATUS = "grpc-status";

    private GrpcCalls() {}

    /** The gRPC method of the call of {@code ctx}, or {@code null} for a call that is not a mesh gRPC stub's. */
    public static @Nullable MethodDescriptor<?, ?> methodOf(ClientRequestContext ctx) {
        return ctx.attr(METHOD);
    }

    /**
     * The {@code grpc-status} a call ended with: in its trailers, or in its headers for a trailers-only answer; -1
     * when there is none (no answer, or an HTTP error from something in front of the gRPC server). The shared
     * classifier reads the same (mesh-core's {@code ResponseClassifier.classify(method, log)}); telemetry reads it
     * here.
     */
    public static int statusOf(RequestLog log) {
        if (!log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)) {
            return -1;
        }
        return statusOf(
                log.responseHeaders(),
                log.isAvailable(RequestLogProperty.RESPONSE_TRAILERS) ? log.responseTrailers() : HttpHeaders.of());
    }

    /** The {@code grpc-status} of an answer with these headers and trailers; see {@link #statusOf(RequestLog)}. */
    public static int statusOf(HttpHeaders headers, HttpHeaders trailers) {
        @Nullable String value = headers.get(GRPC_STATUS);
        if (value == null) {
            value = trailers.get(GRPC_STATUS);
        }
        if (value == null) {
            return -1;
        }
        try {
            return Math.max(-1, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
