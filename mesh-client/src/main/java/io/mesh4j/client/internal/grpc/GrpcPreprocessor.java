package io.mesh4j.client.internal.grpc;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.HttpPreprocessor;
import com.linecorp.armeria.client.PreClient;
import com.linecorp.armeria.client.PreClientRequestContext;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.grpc.MethodDescriptor;
import io.mesh4j.client.internal.retry.RetryLayer;
import io.mesh4j.core.telemetry.MeshTelemetry;

/**
 * Tells the layers what gRPC call they carry, before any of them runs: its method, its route for telemetry (the
 * method's path, {@code /pkg.Service/Method}: a stub's methods are a fixed, small set, never raw user input), and,
 * for a method that streams either way, that it goes as one attempt streamed through, neither buffered for a retry
 * nor hedged. A path the stub's service descriptor does not name (a stub the mesh could not read) is treated as
 * streaming: one attempt is always safe.
 */
final class GrpcPreprocessor implements HttpPreprocessor {

    /** The stub's methods by path, {@code /pkg.Service/Method}. */
    private final Map<String, MethodDescriptor<?, ?>> methods;

    GrpcPreprocessor(Map<String, MethodDescriptor<?, ?>> methods) {
        this.methods = Map.copyOf(methods);
    }

    @Override
    public HttpResponse execute(
            PreClient<HttpRequest, HttpResponse> delegate, PreClientRequestContext ctx, HttpRequest req)
            throws Exception {
        final @Nullable MethodDescriptor<?, ?> method = methods.get(ctx.path());
        ctx.setAttr(MeshTelemetry.ROUTE, ctx.path());
        if (method != null) {
            ctx.setAttr(GrpcCalls.METHOD, method);
        }
        if (method == null || method.getType() != MethodDescriptor.MethodType.UNARY) {
            ctx.setAttr(RetryLayer.ONE_ATTEMPT, true);
        }
        return delegate.execute(ctx, req);
    }

    @Override
    public String toString() {
        return "GrpcPreprocessor(" + methods.keySet() + ')';
    }
}
