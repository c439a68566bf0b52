package io.mesh4j.client.internal.tracing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogAccess;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.mesh4j.client.internal.discovery.DiscoveryChoice;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.client.internal.grpc.GrpcCalls;
import io.mesh4j.client.internal.stack.FusedClientLayer;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.mesh4j.core.internal.stack.Exchange;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.mesh4j.core.internal.telemetry.PropagatingTracer;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.internal.telemetry.TracePropagation;
import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.CommonParams;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.netty.util.AsciiString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * One client span per call, however many attempts it takes, and the call's context written into its headers:
 * the trace context in the configured formats, and, for a call made while serving a request, the serving service
 * in {@value MeshTelemetry#CALLER_HEADER}, so that the callee can count its callers.
 *
 * <p>The span is the call as its caller sees it: outermost in the stack, it covers the deadline, every retry and
 * every backoff. Each attempt is an event on it ({@code attempt}, at the attempt's start, with its number, the
 * instance and address it went to, its status or error), and {@code http.request.resend_count} says how many
 * were retries. Events rather than a child span per attempt: a span per attempt would double the spans of every
 * call for the rare call that retries, and the server span of each attempt is a child of this span already.
 *
 * <p>Its parent is, in order: the span current in OpenTelemetry on the calling thread (an application span, or
 * the server span made current by the inbound TRACING layer), else the span of the request being served that the
 * call was made in (found through Armeria's request context, so a call made on another thread of that context
 * still finds it), else none: a new trace.
 *
 * <p>Named and attributed by the OpenTelemetry HTTP client conventions: {@code GET}, or {@code GET /orders/{id}}
 * when the call names its route template with {@link MeshTelemetry#ROUTE}; method, {@code peer.service} (the
 * called service), server address and port of the last attempt, status; {@code error.type} and an error status
 * for 4xx, 5xx and calls that got no answer.
 *
 * <p>A call of a mesh gRPC stub follows the OpenTelemetry RPC conventions instead: named {@code pkg.Service/Method},
 * with {@code rpc.system=grpc}, {@code rpc.service}, {@code rpc.method} and {@code rpc.grpc.status_code}; an error
 * for every status but {@code OK}, its {@code error.type} the status's name.
 */
public final class TracingLayer extends FusedClientLayer {

    /** Makes the call's context current below the pass, as the span of the call's sending. */
    private static final Function<Context, SafeCloseable> MAKE_CURRENT = context -> {
        final Scope scope = context.makeCurrent();
        return scope::close;
    };

    /** Made once: a name given as a {@code String} is made into a new {@link AsciiString} by every {@code set}. */
    private static final AsciiString CALLER_HEADER = HttpHeaderNames.of(MeshTelemetry.CALLER_HEADER);

    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    private static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
    /** Set, to false, on the calls to a service outside the mesh (no mTLS, no SPIFFE ID checked). */
    static final AttributeKey<Boolean> MESH_MEMBER = AttributeKey.booleanKey("mesh.member");

    public TracingLayer() {
        super(ClientRoles.TRACING);
    }

    @Override
    public Interceptor<ClientRequestContext> interceptor(StackParams params) {
        final MeshTelemetry telemetry = params.get(MeshTelemetry.KEY);
        final String service = params.get(CommonParams.SERVICE).value();
        return new CallTracing(telemetry, service, params.get(DiscoveryChoice.MESH_MEMBER));
    }

    /**
     * The context a call made now, in {@code ctx}, continues; see the class comment.
     */
    static Context parentOf(ClientRequestContext ctx) {
        final Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        final @Nullable Context served = ctx.attr(MeshTelemetry.CONTEXT);
        return served != null ? served : current;
    }

    private static final class CallTracing implements Interceptor<ClientRequestContext> {

        private final TracePropagation propagation;
        private final Tracer tracer;
        private final String service;
        private final boolean meshMember;
        /**
         * The tracer when its spans never record (no exporter), else null: then a span is made straight from its
         * parent, with no name, no attributes and no builder.
         */
        private final @Nullable PropagatingTracer unrecorded;
        /**
         * The attributes of a first attempt's event, by the endpoint it went to, for the status it answered: the
         * same for most calls, and built, checked and sorted anew for each before. Bounded: cleared past
         * {@value #MAX_CACHED_ENDPOINTS} endpoints, so that instances that come and go cannot grow it.
         */
        private final Map<Endpoint, FirstAttempt> firstAttempts = new ConcurrentHashMap<>();

        CallTracing(MeshTelemetry telemetry, String service, boolean meshMember) {
            tracer = telemetry.tracer();
            // Without an exporter the tracer's spans carry ids and the sampling decision only: no name, no
            // attributes to build for them.
            unrecorded = tracer instanceof PropagatingTracer ? (PropagatingTracer) tracer : null;
            propagation = TelemetryAccess.PROPAGATION.get(telemetry);
            this.service = service;
            this.meshMember = meshMember;
        }

        @Override
        public @Nullable HttpResponse onRequest(ClientRequestContext ctx, Exchange<ClientRequestContext> exchange) {
            final Context parent = parentOf(ctx);
            final Span span = unrecorded != null
                    ? unrecorded.childOf(Span.fromContext(parent).getSpanContext())
                    : startRecorded(ctx, parent);
            final Context context = parent.with(span);

            final RequestHeadersBuilder headers = exchange.headersToWrite();
            propagation.inject(context, headers);
            final @Nullable String caller = ctx.attr(MeshTelemetry.LOCAL_SERVICE);
            if (caller != null) {
                // Context, like the trace: the service this call is made from, so that the callee counts its
                // callers even without mTLS.
                headers.set(CALLER_HEADER, caller);
            }
            if (span.isRecording()) {
                // A span that records nothing (no exporter, or not sampled) has nothing to end: no attributes of the
                // answer, no event per attempt.
                exchange.keep(span);
            }
            exchange.makeCurrentBelow(context, MAKE_CURRENT);
            return null;
        }

        /** A span of the SDK's, named and attributed, which its sampler may read. */
        private Span startRecorded(ClientRequestContext ctx, Context parent) {
            final String method = ctx.method().name();
            final @Nullable String route = ctx.attr(MeshTelemetry.ROUTE);
            final @Nullable MethodDescriptor<?, ?> grpc = GrpcCalls.methodOf(ctx);
            final String name = grpc != null ? grpc.getFullMethodName() : route != null ? method + ' ' + route : method;
            final SpanBuilder builder = tracer.spanBuilder(name)
                    .setParent(parent)
                    .setSpanKind(SpanKind.CLIENT)
                    .setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, method)
                    .setAttribute(HttpAttributes.PEER_SERVICE, service)
                    .setAttribute(HttpAttributes.URL_PATH, ctx.path());
            if (route != null) {
                builder.setAttribute(HttpAttributes.URL_TEMPLATE, route);
            }
            if (!meshMember) {
                builder.setAttribute(MESH_MEMBER, false);
            }
            if (grpc != null) {
                // The OpenTelemetry RPC conventions: named pkg.Service/Method, with its service and method.
                builder.setAttribute(RPC_SYSTEM, "grpc")
                        .setAttribute(RPC_SERVICE, String.valueOf(grpc.getServiceName()))
                        .setAttribute(RPC_METHOD, String.valueOf(grpc.getBareMethodName()));
            }
            return builder.startSpan();
        }

        @Override
        public void onComplete(ClientRequestContext ctx, RequestLog log, Exchange<ClientRequestContext> exchange) {
            final @Nullable Span span = exchange.kept();
            if (span != null) {
                end(span, ctx, log);
            }
        }

        @Override
        public String toString() {
            return "CallTracing(" + service + ')';
        }

        private void end(Span span, ClientRequestContext ctx, RequestLog log) {
            final List<RequestLogAccess> children = log.children();
            @Nullable RequestContext last = ctx;
            if (children.isEmpty()) {
                addAttempt(span, 1, log, ctx.endpoint());
            } else {
                for (int i = 0; i < children.size(); i++) {
                    final RequestLog attempt = children.get(i).partial();
                    last = attempt.context();
                    addAttempt(span, i + 1, attempt, ((ClientRequestContext) last).endpoint());
                }
                span.setAttribute(HttpAttributes.HTTP_REQUEST_RESEND_COUNT, (long) children.size() - 1);
            }
            final @Nullable Endpoint endpoint = ((ClientRequestContext) last).endpoint();
            if (endpoint != null) {
                span.setAttribute(HttpAttributes.SERVER_ADDRESS, endpoint.host());
                if (endpoint.hasPort()) {
                    span.setAttribute(HttpAttributes.SERVER_PORT, (long) endpoint.port());
                }
            }
            final int status = log.responseHeaders().status().code();
            if (status > 0) {
                span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
            }
            final @Nullable Throwable cause = log.responseCause();
            final int grpcStatus = GrpcCalls.methodOf(ctx) != null ? GrpcStatuses.of(log) : -1;
            if (grpcStatus >= 0) {
                span.setAttribute(RPC_GRPC_STATUS_CODE, (long) grpcStatus);
                if (grpcStatus != 0) {
                    // A gRPC client span is an error for every status but OK.
                    span.setAttribute(
                            HttpAttributes.ERROR_TYPE,
                            Status.fromCodeValue(grpcStatus).getCode().name());
                    span.setStatus(StatusCode.ERROR);
                }
            } else if (status >= 400 || status <= 0 && cause != null) {
                span.setAttribute(
                        HttpAttributes.ERROR_TYPE,
                        status > 0 ? Integer.toString(status) : cause.getClass().getName());
                span.setStatus(StatusCode.ERROR);
            }
            span.end(
                    TimeUnit.MICROSECONDS.toNanos(log.requestStartTimeMicros()) + log.totalDurationNanos(),
                    TimeUnit.NANOSECONDS);
        }

        private void addAttempt(Span span, int number, RequestLog attempt, @Nullable Endpoint endpoint) {
            final int status = attempt.responseHeaders().status().code();
            if (number != 1 || endpoint == null || status <= 0) {
                span.addEvent(
                        "attempt",
                        attemptAttributes(number, attempt, endpoint),
                        attempt.requestStartTimeMicros(),
                        TimeUnit.MICROSECONDS);
                return;
            }
            @Nullable FirstAttempt first = firstAttempts.get(endpoint);
            // The same endpoint object: one registered anew at the same address may be another instance.
            if (first == null || first.endpoint() != endpoint || first.status() != status) {
                if (firstAttempts.size() >= MAX_CACHED_ENDPOINTS) {
                    firstAttempts.clear();
                }
                first = new FirstAttempt(endpoint, status, attemptAttributes(number, attempt, endpoint));
                firstAttempts.put(endpoint, first);
            }
            span.addEvent("attempt", first.attributes(), attempt.requestStartTimeMicros(), TimeUnit.MICROSECONDS);
        }

        private static Attributes attemptAttributes(int number, RequestLog attempt, @Nullable Endpoint endpoint) {
            final AttributesBuilder attrs = Attributes.builder().put(HttpAttributes.MESH_ATTEMPT, (long) number);
            if (endpoint != null) {
                attrs.put(HttpAttributes.SERVER_ADDRESS, endpoint.host());
                if (endpoint.hasPort()) {
                    attrs.put(HttpAttributes.SERVER_PORT, (long) endpoint.port());
                }
                final @Nullable InstanceId instance = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
                if (instance != null) {
                    attrs.put(HttpAttributes.MESH_INSTANCE, instance.value());
                }
            }
            final int status = attempt.responseHeaders().status().code();
            if (status > 0) {
                attrs.put(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
            } else if (attempt.responseCause() != null) {
                attrs.put(
                        HttpAttributes.ERROR_TYPE,
                        attempt.responseCause().getClass().getName());
            }
            return attrs.build();
        }
    }

    /** More endpoints than most services have: past it, the first attempts' attributes kept are cleared. */
    private static final int MAX_CACHED_ENDPOINTS = 256;

    /** A first attempt's event attributes, for an answer of {@code status} from {@code endpoint}. */
    private record FirstAttempt(Endpoint endpoint, int status, Attributes attributes) {}
}
