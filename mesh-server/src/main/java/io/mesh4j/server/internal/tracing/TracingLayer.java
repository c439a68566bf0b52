package io.mesh4j.server.internal.tracing;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.mesh4j.core.internal.telemetry.RouteTemplates;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.internal.telemetry.TracePropagation;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.grpc.GrpcSpans;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * Continues the caller's trace, or starts one, with a server span per request, named and attributed by the
 * OpenTelemetry HTTP conventions: {@code GET /orders/:id}, with method, route, status, scheme, path, server
 * address and port, client address, protocol version and user agent.
 *
 * <p>The span's context is attached to the request's Armeria context and hooked to it: whenever Armeria makes
 * the request's context current (the handler, its callbacks, {@code ctx.makeContextAware(..)} executors, the
 * blocking task executor), the span is current in OpenTelemetry and its ids are in the SLF4J MDC
 * ({@value MeshTelemetry#MDC_TRACE_ID}, {@value MeshTelemetry#MDC_SPAN_ID}). A mesh client called from there
 * makes its client span a child of this one, with no tracing code in the handler.
 *
 * <p>Headers that cannot be read (a malformed {@code traceparent}, a {@code b3} that does not parse) never fail
 * the request: it starts a new trace, and the header is counted in
 * {@code mesh_tracing_malformed_headers_total}.
 */
public final class TracingLayer extends FusedServiceLayer {

    public TracingLayer() {
        super(ServerRoles.TRACING);
    }

    @Override
    public Interceptor<ServiceRequestContext> interceptor(StackParams params) {
        return new RequestTracing(params.get(MeshTelemetry.KEY));
    }

    /** The span of a gRPC call, whose end also reads the gRPC status. */
    private record GrpcSpan(Span span) {}

    private static final class RequestTracing implements Interceptor<ServiceRequestContext> {

        private final Tracer tracer;
        private final TracePropagation propagation;

        RequestTracing(MeshTelemetry telemetry) {
            tracer = telemetry.tracer();
            propagation = TelemetryAccess.PROPAGATION.get(telemetry);
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            final RequestHeaders headers = exchange.request().headers();
            final Context parent = propagation.extract(headers);
            final @Nullable String route = RouteTemplates.templateOf(ctx);
            final String method = ctx.method().name();
            // A gRPC call is named as RPC spans are, pkg.Service/Method, whatever HTTP carried it.
            final @Nullable String rpc = route != null && Refusal.isGrpc(ctx) ? GrpcSpans.name(route) : null;
            final SpanBuilder builder = tracer.spanBuilder(
                            rpc != null ? rpc : route != null ? method + ' ' + route : method)
                    .setParent(parent)
                    .setSpanKind(SpanKind.SERVER)
                    .setStartTimestamp(ctx.log().partial().requestStartTimeMicros(), TimeUnit.MICROSECONDS)
                    .setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, method)
                    .setAttribute(HttpAttributes.URL_PATH, ctx.path())
                    .setAttribute(
                            HttpAttributes.URL_SCHEME, ctx.sessionProtocol().isTls() ? "https" : "http")
                    .setAttribute(
                            HttpAttributes.NETWORK_PROTOCOL_VERSION,
                            ctx.sessionProtocol().isMultiplex() ? "2" : "1.1")
                    .setAttribute(
                            HttpAttributes.CLIENT_ADDRESS, ctx.clientAddress().getHostAddress());
            if (route != null) {
                builder.setAttribute(HttpAttributes.HTTP_ROUTE, route);
            }
            if (rpc != null) {
                GrpcSpans.start(builder, rpc);
            }
            final InetSocketAddress local = ctx.localAddress();
            final @Nullable String authority = headers.authority();
            builder.setAttribute(
                    HttpAttributes.SERVER_ADDRESS, authority != null ? hostOf(authority) : local.getHostString());
            builder.setAttribute(HttpAttributes.SERVER_PORT, (long) local.getPort());
            final @Nullable String userAgent = headers.get("user-agent");
            if (userAgent != null) {
                builder.setAttribute(HttpAttributes.USER_AGENT_ORIGINAL, userAgent);
            }
            final Span span = builder.startSpan();
            final Context context = parent.with(span);
            ctx.setAttr(MeshTelemetry.CONTEXT, context);
            // Current whenever Armeria makes the request's context current, on whatever thread.
            ctx.hook(() -> MeshTelemetry.enter(context));
            exchange.keep(rpc != null ? new GrpcSpan(span) : span);
            // The hook runs at the next push; the handler runs now, inside the push that was made before it.
            exchange.makeCurrentBelow(context, MeshTelemetry::enter);
            return null;
        }

        @Override
        public void onComplete(ServiceRequestContext ctx, RequestLog log, Exchange<ServiceRequestContext> exchange) {
            final @Nullable Object kept = exchange.kept();
            if (kept instanceof GrpcSpan) {
                final Span span = ((GrpcSpan) kept).span();
                GrpcSpans.end(span, log, exchange.outcome(log));
                end(span, log);
            } else if (kept != null) {
                end((Span) kept, log);
            }
        }

        @Override
        public String toString() {
            return "RequestTracing";
        }

        private static void end(Span span, RequestLog log) {
            final HttpStatus status = log.responseHeaders().status();
            if (status.code() > 0) {
                span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status.code());
            }
            final @Nullable Throwable cause = log.responseCause();
            // A server span is an error only when the server failed (5xx): a 4xx is the caller's mistake.
            if (status.code() >= 500 || status.code() <= 0 && cause != null) {
                span.setAttribute(
                        HttpAttributes.ERROR_TYPE,
                        status.code() > 0
                                ? Integer.toString(status.code())
                                : cause.getClass().getName());
                span.setStatus(StatusCode.ERROR);
            }
            span.end(
                    TimeUnit.MICROSECONDS.toNanos(log.requestStartTimeMicros()) + log.totalDurationNanos(),
                    TimeUnit.NANOSECONDS);
        }

        private static String hostOf(String authority) {
            if (authority.startsWith("[")) {
                final int end = authority.indexOf(']');
                return end > 0 ? authority.substring(1, end) : authority;
            }
            final int colon = authority.lastIndexOf(':');
            return colon > 0 ? authority.substring(0, colon) : authority;
        }
    }
}
