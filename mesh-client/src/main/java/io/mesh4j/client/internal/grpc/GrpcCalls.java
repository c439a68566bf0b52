package io.mesh4j.client.internal.grpc;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;

import io.grpc.MethodDescriptor;
import io.netty.util.AttributeKey;

/**
 * What the outbound layers read of a gRPC call: its method (the status it ended with is mesh-core's
 * {@code GrpcStatuses}, read the same by the shared classifier).
 */
public final class GrpcCalls {

    /** The gRPC method of a call made by a mesh gRPC stub, set before any layer runs ({@link GrpcPreprocessor}). */
    public static final AttributeKey<MethodDescriptor<?, ?>> METHOD = AttributeKey.valueOf(GrpcCalls.class, "METHOD");

    /**
     * The mesh's timeout of a call made by a mesh gRPC stub, set by the DEADLINE layer when the call has one of its
     * own (not the stub's deadline, which is sooner); what the status of a call it ends names
     * ({@link TimeoutStatus}).
     */
    public static final AttributeKey<Duration> TIMEOUT = AttributeKey.valueOf(GrpcCalls.class, "TIMEOUT");

    private GrpcCalls() {}

    /** The gRPC method of the call of {@code ctx}, or {@code null} for a call that is not a mesh gRPC stub's. */
    public static @Nullable MethodDescriptor<?, ?> methodOf(ClientRequestContext ctx) {
        return ctx.attr(METHOD);
    }
}
