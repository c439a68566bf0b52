package io.mesh4j.client.internal.websocket;

import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.websocket.WebSocketClientHandshakeException;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.client.NoEndpointException;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.internal.telemetry.HttpAttributes;
import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.internal.telemetry.TelemetryAccess;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

/**
 * The client span and meters of one WebSocket connect and, once it opens, of the connection: the span covers every
 * attempt (each an {@code attempt} event, as on a call's span) and then the connection's life, so that the server
 * span of the accepted upgrade is its child; it ends with the connection, saying how it closed as the server's span
 * does ({@code mesh.websocket.close_code}, {@code mesh.websocket.closed_by}), or with an error when no connection
 * opened. The meters are the server's {@code mesh_server_websocket_*} as this side sees them, plus failed connects by
 * a reason of a small fixed set.
 */
final class ConnectionTelemetry {

    /** The close code of a connection that ended without a close frame, as RFC 6455 names it. */
    private static final int ABNORMAL_CLOSURE = 1006;

    private static final AttributeKey<Long> CLOSE_CODE = AttributeKey.longKey("mesh.websocket.close_code");
    private static final AttributeKey<String> CLOSED_BY = AttributeKey.stringKey("mesh.websocket.closed_by");

    private final MeshMetrics metrics;
    private final String service;
    private final String route;
    private final Span span;
    private final Context context;
    private final AtomicBoolean closeSeen = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private int attempts;
    private @Nullable Throwable lastAttemptCause;
    private volatile int closeCode = ABNORMAL_CLOSURE;
    private volatile String closedBy = "none";

    /**
     * Starts the span of a connect made now.
     *
     * @param route the path connected to, which the server records as the route
     */
    ConnectionTelemetry(MeshTelemetry telemetry, String service, String route) {
        metrics = TelemetryAccess.METRICS.get(telemetry);
        this.service = service;
        this.route = route;
        final Context parent = parent();
        span = telemetry
                .tracer()
                .spanBuilder("WebSocket " + route)
                .setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(HttpAttributes.PEER_SERVICE, service)
                .setAttribute(HttpAttributes.URL_PATH, route)
                .setAttribute(HttpAttributes.URL_TEMPLATE, route)
                .startSpan();
        context = parent.with(span);
    }

    /**
     * The span current where the connect is made; else the server span of the request being served, for a connect
     * made on a thread of that request's context; else none, a new trace. As a call's span finds its parent.
     */
    private static Context parent() {
        final Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        final @Nullable RequestContext served = RequestContext.currentOrNull();
        final @Nullable Context context = served != null ? served.attr(MeshTelemetry.CONTEXT) : null;
        return context != null ? context : current;
    }

    /** The context every attempt's upgrade carries: the client span's. */
    Context context() {
        return context;
    }

    /** One attempt ended: an {@code attempt} event, with the instance it went to and its status or error. */
    synchronized void attempted(Endpoint endpoint, @Nullable Throwable cause) {
        attempts++;
        lastAttemptCause = cause;
        final AttributesBuilder attrs = Attributes.builder().put(HttpAttributes.MESH_ATTEMPT, (long) attempts);
        addPeer(attrs, endpoint);
        if (cause == null) {
            attrs.put(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, 101L);
        } else {
            final Throwable peeled = Exceptions.peel(cause);
            if (peeled instanceof WebSocketClientHandshakeException handshake) {
                attrs.put(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long)
                        handshake.headers().status().code());
            } else {
                attrs.put(HttpAttributes.ERROR_TYPE, errorType(peeled));
            }
        }
        span.addEvent("attempt", attrs.build());
    }

    /** The connection opened: counted as open until {@link #ended()}. */
    void opened(Endpoint endpoint, ClientRequestContext ctx) {
        span.setAttribute(HttpAttributes.SERVER_ADDRESS, endpoint.host());
        if (endpoint.hasPort()) {
            span.setAttribute(HttpAttributes.SERVER_PORT, (long) endpoint.port());
        }
        final @Nullable InstanceId instance = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
        if (instance != null) {
            span.setAttribute(HttpAttributes.MESH_INSTANCE, instance.value());
        }
        // GET over HTTP/1.1, CONNECT over HTTP/2 (RFC 8441), as the server's span names it.
        span.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, ctx.method().name());
        final RequestLog log = ctx.log().partial();
        if (log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)) {
            final int status = log.responseHeaders().status().code();
            if (status > 0) {
                span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
            }
        }
        metrics.clientWebSocketOpened(service, route);
    }

    /** No connection opened: the span ends as an error, and the failure is counted by its reason. */
    void failed(Throwable cause) {
        final Throwable peeled = Exceptions.peel(cause);
        final @Nullable Throwable last;
        synchronized (this) {
            last = lastAttemptCause;
        }
        if (peeled instanceof WebSocketClientHandshakeException handshake) {
            final int status = handshake.headers().status().code();
            span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
            span.setAttribute(HttpAttributes.ERROR_TYPE, Integer.toString(status));
        } else {
            span.setAttribute(HttpAttributes.ERROR_TYPE, errorType(peeled));
        }
        span.setStatus(StatusCode.ERROR, String.valueOf(peeled.getMessage()));
        metrics.clientWebSocketConnectFailed(service, route, reason(peeled, last));
        if (ended.compareAndSet(false, true)) {
            span.end();
        }
    }

    /**
     * Why a connect failed, of a fixed set: {@code refused} (an instance answered the upgrade with a refusal, such as
     * 403 by policy), {@code unavailable} (no instance, or every one tried was draining), {@code tls} (the handshake
     * failed), {@code io} (no connection, or a broken one). A connect that gave up after passing over instances is
     * named by what the last one did.
     */
    static String reason(Throwable cause, @Nullable Throwable lastAttempt) {
        final Throwable why =
                cause instanceof NoEndpointException && lastAttempt != null ? Exceptions.peel(lastAttempt) : cause;
        if (why instanceof WebSocketClientHandshakeException handshake) {
            return handshake.headers().status().code() >= 500 ? "unavailable" : "refused";
        }
        if (why instanceof NoEndpointException) {
            return "unavailable";
        }
        for (@Nullable Throwable t = why; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return "tls";
            }
        }
        return "io";
    }

    /** One message crossed the connection. */
    void message(boolean sent) {
        metrics.clientWebSocketMessage(service, route, sent);
    }

    /**
     * A close frame crossed the connection: the first one says how the connection closed.
     *
     * @param by {@code client} or {@code server}, whichever sent it
     */
    void closeFrame(int code, String by) {
        if (closeSeen.compareAndSet(false, true)) {
            closeCode = code;
            closedBy = by;
            span.setAttribute(CLOSE_CODE, (long) code).setAttribute(CLOSED_BY, by);
        }
    }

    /** The open connection ended: counted by how it closed, and the span ends. */
    void ended() {
        if (ended.compareAndSet(false, true)) {
            if (!closeSeen.get()) {
                span.setAttribute(CLOSE_CODE, (long) closeCode).setAttribute(CLOSED_BY, closedBy);
            }
            metrics.clientWebSocketClosed(service, route, closeCode, closedBy);
            span.end();
        }
    }

    private static void addPeer(AttributesBuilder attrs, Endpoint endpoint) {
        attrs.put(HttpAttributes.SERVER_ADDRESS, endpoint.host());
        if (endpoint.hasPort()) {
            attrs.put(HttpAttributes.SERVER_PORT, (long) endpoint.port());
        }
        final @Nullable InstanceId instance = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
        if (instance != null) {
            attrs.put(HttpAttributes.MESH_INSTANCE, instance.value());
        }
    }

    private static String errorType(Throwable cause) {
        return cause.getClass().getName();
    }
}
