package io.mesh4j.server.internal.tracing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.mesh4j.core.internal.telemetry.PropagatingTracer;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.internal.telemetry.TracePropagation;
import io.mesh4j.core.stack.ServerRoles;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.server.internal.grpc.GrpcSpans;
import io.mesh4j.server.internal.refusal.Refusal;
import io.mesh4j.server.internal.stack.FusedServiceLayer;
import io.mesh4j.server.internal.stack.UnmatchedService;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
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

    /** A route's span names: {@code GET /orders/:id} by method, and {@code pkg.Service/Method} for a gRPC method. */
    private static final class RouteNaming {

        /** The route's template; null for the fallback, which matched no route. */
        final @Nullable String route;
        /** The name of a gRPC call on this route, null when its path is not a gRPC method's. */
        final @Nullable String rpc;

        final String rpcService;
        final String rpcMethod;
        /** {@code METHOD route} by method, made at the method's first request: racy, and always the same text. */
        private final @Nullable String[] byMethod = new String[HttpMethod.values().length];

        RouteNaming(ServiceConfig config) {
            route = UnmatchedService.isUnmatched(config) ? null : config.route().patternString();
            rpc = route != null ? GrpcSpans.name(route) : null;
            final int slash = rpc != null ? rpc.lastIndexOf('/') : -1;
            rpcService = rpc != null ? rpc.substring(0, slash) : "";
            rpcMethod = rpc != null ? rpc.substring(slash + 1) : "";
        }

        String httpName(HttpMethod method) {
            @Nullable String name = byMethod[method.ordinal()];
            if (name == null) {
                name = route != null ? method.name() + ' ' + route : method.name();
                byMethod[method.ordinal()] = name;
            }
            return name;
        }
    }

    private static final class RequestTracing implements Interceptor<ServiceRequestContext> {

        /** Past this many client addresses or authorities, their text is no longer kept, only made per request. */
        private static final int MAX_KEPT = 1024;
        /** HTTP statuses, each boxed at its first use (racy, and always an equal value). */
        private static final @Nullable Long[] STATUS_CODES = new Long[600];

        private final Tracer tracer;
        private final TracePropagation propagation;
        /**
         * Makes the span of a request from its remote parent when the tracer never records (no exporter, the
         * default), else null. Such a span is its ids and sampling decision: its name and attributes (a dozen
         * header reads, map lookups and texts a request) would be worked out only to be dropped.
         */
        private final @Nullable Function<SpanContext, Span> unrecorded;
        /*
         * What does not change from one request to the next is worked out once, not per request: a route's span
         * names and RPC attributes, the text of a client's address and of the host an authority names, the port
         * as the boxed number a span attribute holds. Each is a few hundred bytes a request otherwise.
         */
        private final Map<ServiceConfig, RouteNaming> routes = new ConcurrentHashMap<>();
        private final Map<InetAddress, String> clientAddresses = new ConcurrentHashMap<>();
        private final Map<String, String> hosts = new ConcurrentHashMap<>();
        private volatile Long port = -1L;

        RequestTracing(MeshTelemetry telemetry) {
            tracer = telemetry.tracer();
            propagation = TelemetryAccess.PROPAGATION.get(telemetry);
            unrecorded = tracer instanceof PropagatingTracer ? ((PropagatingTracer) tracer)::childOf : null;
        }

        @Override
        public @Nullable HttpResponse onRequest(ServiceRequestContext ctx, Exchange<ServiceRequestContext> exchange) {
            final RequestHeaders headers = exchange.request().headers();
            final Context context;
            if (unrecorded != null) {
                // Ids and the sampling decision only: the span is made straight from the remote parent, with no
                // name, no builder, and no context of the parent's own.
                context = propagation.extractChild(headers, unrecorded);
                exchange.keep(Span.fromContext(context));
            } else {
                context = startRecorded(ctx, headers, exchange);
            }
            ctx.setAttr(MeshTelemetry.CONTEXT, context);
            // Current whenever Armeria makes the request's context current, on whatever thread.
            ctx.hook(() -> MeshTelemetry.enter(context));
            // The hook runs at the next push; the handler runs now, inside the push that was made before it.
            exchange.makeCurrentBelow(context, MeshTelemetry::enter);
            return null;
        }

        /** The context of a span that may record, named and attributed, which a sampler may read; kept to end. */
        private Context startRecorded(
                ServiceRequestContext ctx, RequestHeaders headers, Exchange<ServiceRequestContext> exchange) {
            final Context parent = propagation.extract(headers);
            final RouteNaming naming = routes.computeIfAbsent(ctx.config(), RouteNaming::new);
            final HttpMethod method = ctx.method();
            // A gRPC call is named as RPC spans are, pkg.Service/Method, whatever HTTP carried it.
            final boolean rpc = naming.rpc != null && Refusal.isGrpc(ctx);
            final SpanBuilder builder = tracer.spanBuilder(rpc ? naming.rpc : naming.httpName(method))
                    .setParent(parent)
                    .setSpanKind(SpanKind.SERVER);
            // Given to the builder, not to the started span: a sampler may read them (OpenTelemetry's HTTP
            // conventions ask for them at creation).
            describe(builder, ctx, headers, naming, method, rpc);
            final Span span = builder.startSpan();
            exchange.keep(rpc && span.isRecording() ? new GrpcSpan(span) : span);
            return parent.with(span);
        }

        /** The span's attributes by the HTTP conventions, and the RPC ones for a gRPC call. */
        private void describe(
                SpanBuilder builder,
                ServiceRequestContext ctx,
                RequestHeaders headers,
                RouteNaming naming,
                HttpMethod method,
                boolean rpc) {
            builder.setStartTimestamp(ctx.log().partial().requestStartTimeMicros(), TimeUnit.MICROSECONDS)
                    .setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, method.name())
                    .setAttribute(HttpAttributes.URL_PATH, ctx.path())
                    .setAttribute(
                            HttpAttributes.URL_SCHEME, ctx.sessionProtocol().isTls() ? "https" : "http")
                    .setAttribute(
                            HttpAttributes.NETWORK_PROTOCOL_VERSION,
                            ctx.sessionProtocol().isMultiplex() ? "2" : "1.1")
                    .setAttribute(HttpAttributes.CLIENT_ADDRESS, textOf(ctx.clientAddress()));
            if (naming.route != null) {
                builder.setAttribute(HttpAttributes.HTTP_ROUTE, naming.route);
            }
            if (rpc) {
                GrpcSpans.start(builder, naming.rpcService, naming.rpcMethod);
            }
            final InetSocketAddress local = ctx.localAddress();
            final @Nullable String authority = headers.authority();
            builder.setAttribute(
                    HttpAttributes.SERVER_ADDRESS, authority != null ? hostOf(authority) : local.getHostString());
            builder.setAttribute(HttpAttributes.SERVER_PORT, portOf(local));
            final @Nullable String userAgent = headers.get(HttpHeaderNames.USER_AGENT);
            if (userAgent != null) {
                builder.setAttribute(HttpAttributes.USER_AGENT_ORIGINAL, userAgent);
            }
        }

        private String textOf(InetAddress address) {
            final @Nullable String known = clientAddresses.get(address);
            if (known != null) {
                return known;
            }
            final String text = address.getHostAddress();
            if (clientAddresses.size() < MAX_KEPT) {
                clientAddresses.put(address, text);
            }
            return text;
        }

        private String hostOf(String authority) {
            final @Nullable String known = hosts.get(authority);
            if (known != null) {
                return known;
            }
            final String host = hostIn(authority);
            if (hosts.size() < MAX_KEPT) {
                hosts.put(authority, host);
            }
            return host;
        }

        private Long portOf(InetSocketAddress local) {
            final Long known = port;
            if (known == local.getPort()) {
                return known;
            }
            final Long boxed = (long) local.getPort();
            port = boxed;
            return boxed;
        }

        @Override
        public void onComplete(ServiceRequestContext ctx, RequestLog log, Exchange<ServiceRequestContext> exchange) {
            final @Nullable Object kept = exchange.kept();
            if (kept instanceof Span && !((Span) kept).isRecording()) {
                // Its status and error would be dropped (a gRPC call's too: it is kept bare then): a span sampled
                // out, or one that records nothing.
                ((Span) kept).end();
                return;
            }
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
                span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, boxed(status.code()));
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

        /** A status as the Long its attribute holds, boxed once per status: above 127 none is cached by the JDK. */
        private static Long boxed(int status) {
            if (status >= STATUS_CODES.length) {
                return (long) status;
            }
            @Nullable Long boxed = STATUS_CODES[status];
            if (boxed == null) {
                boxed = (long) status;
                STATUS_CODES[status] = boxed;
            }
            return boxed;
        }

        private static String hostIn(String authority) {
            if (authority.startsWith("[")) {
                final int end = authority.indexOf(']');
                return end > 0 ? authority.substring(1, end) : authority;
            }
            final int colon = authority.lastIndexOf(':');
            return colon > 0 ? authority.substring(0, colon) : authority;
        }
    }
}
