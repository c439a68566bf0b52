package io.mesh4j.server.internal.grpc;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.logging.RequestLog;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;

/**
 * What a gRPC call adds to its server span, by OpenTelemetry's RPC conventions: the span is named
 * {@code pkg.Service/Method}, with {@code rpc.system}, {@code rpc.service}, {@code rpc.method} and, once it ends,
 * {@code rpc.grpc.status_code}; it is an error when the mesh's classifier calls the call a failure.
 */
public final class GrpcSpans {

    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");

    /**
     * The span's name for a gRPC call on {@code path}.
     *
     * @param path the call's path, {@code /pkg.Service/Method}
     * @return {@code pkg.Service/Method}, or null when the path is not a gRPC method's
     */
    public static @Nullable String name(String path) {
        final int slash = path.lastIndexOf('/');
        return path.startsWith("/") && slash > 1 && slash < path.length() - 1 ? path.substring(1) : null;
    }

    /**
     * Adds the call's RPC attributes: its name from {@link #name(String)} split at its last slash, once per method
     * rather than per call.
     *
     * @param builder the server span's builder
     * @param service {@code pkg.Service}
     * @param method {@code Method}
     */
    public static void start(SpanBuilder builder, String service, String method) {
        builder.setAttribute(RPC_SYSTEM, "grpc")
                .setAttribute(RPC_SERVICE, service)
                .setAttribute(RPC_METHOD, method);
    }

    /**
     * Records how the call ended.
     *
     * @param span the server span, not yet ended
     * @param log the call's complete log
     * @param outcome what the mesh's classifier made of it
     */
    public static void end(Span span, RequestLog log, ResponseClass outcome) {
        final int status = GrpcStatuses.of(log);
        if (status >= 0) {
            span.setAttribute(RPC_GRPC_STATUS_CODE, (long) status);
        }
        if (outcome.isFailure()) {
            span.setStatus(StatusCode.ERROR);
        }
    }

    private GrpcSpans() {}
}
