package io.mesh4j.server.internal.websocket;

import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.common.websocket.CloseWebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;

import io.mesh4j.core.internal.telemetry.MeshMetrics;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.netty.util.concurrent.EventExecutor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

/**
 * One inbound WebSocket connection between its caller and the user's handler. The handler sees the caller's messages
 * and close frame; pings are the mesh's keep-alive, answered here and not passed on. What the handler sends is
 * forwarded, one frame at a time, to the connection's own writer, which the mesh can close with 1001 when the server
 * drains whatever the handler is doing. Every message each way is counted, and the first close frame either side
 * sends is what the connection's close is counted by.
 */
final class MeteredSession implements Subscriber<WebSocketFrame> {

    /** The close code of a connection that ended without a close frame, as RFC 6455 names it. */
    private static final int ABNORMAL_CLOSURE = 1006;

    private static final AttributeKey<Long> CLOSE_CODE = AttributeKey.longKey("mesh.websocket.close_code");
    private static final AttributeKey<String> CLOSED_BY = AttributeKey.stringKey("mesh.websocket.closed_by");

    private final ServiceRequestContext ctx;
    private final String service;
    private final String route;
    private final MeshMetrics metrics;
    private final WebSocketWriter out = WebSocket.streaming();
    private final AtomicBoolean closeSeen = new AtomicBoolean();
    private volatile int closeCode = ABNORMAL_CLOSURE;
    private volatile String closedBy = "none";
    private @Nullable Subscription handlerOut;

    MeteredSession(ServiceRequestContext ctx, String service, String route, MeshMetrics metrics) {
        this.ctx = ctx;
        this.service = service;
        this.route = route;
        this.metrics = metrics;
    }

    WebSocket serve(WebSocketServiceHandler handler, WebSocket in) {
        metrics.webSocketOpened(service, route);
        ctx.log().whenComplete().thenRun(() -> metrics.webSocketClosed(service, route, closeCode, closedBy));
        final WebSocket fromCaller = WebSocket.of(in.filter(this::fromCaller));
        handler.handle(ctx, fromCaller).subscribe(this, ctx.eventLoop());
        return out;
    }

    /** Counts a frame of the caller's; answers and drops a ping. */
    private boolean fromCaller(WebSocketFrame frame) {
        final WebSocketFrameType type = frame.type();
        if (type == WebSocketFrameType.PING) {
            // A pong that finds the connection closing is not needed any more.
            final boolean unused = out.tryWrite(WebSocketFrame.ofPong(frame.array()));
            return false;
        }
        if (type == WebSocketFrameType.PONG) {
            return false;
        }
        if (type == WebSocketFrameType.TEXT || type == WebSocketFrameType.BINARY) {
            metrics.webSocketMessage(service, route, true);
        } else if (frame instanceof CloseWebSocketFrame close) {
            closed(close.status().code(), "client");
        }
        return true;
    }

    private void closed(int code, String by) {
        if (closeSeen.compareAndSet(false, true)) {
            closeCode = code;
            closedBy = by;
            // The upgrade's server span is still open: it ends when the connection does.
            final @Nullable Context traced = ctx.attr(MeshTelemetry.CONTEXT);
            if (traced != null) {
                Span.fromContext(traced).setAttribute(CLOSE_CODE, (long) code).setAttribute(CLOSED_BY, by);
            }
        }
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        handlerOut = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            closed(close.status().code(), "server");
            out.close(close.status(), close.reasonPhrase());
            close.close();
            return;
        }
        final WebSocketFrameType type = frame.type();
        if (type == WebSocketFrameType.TEXT || type == WebSocketFrameType.BINARY) {
            metrics.webSocketMessage(service, route, false);
        }
        if (!out.tryWrite(frame)) {
            // The connection is closing or closed: the handler need not produce more.
            cancelHandler();
            return;
        }
        // One frame at a time: the handler sends no faster than the connection takes them.
        out.whenConsumed().thenRun(this::requestNext);
    }

    private void requestNext() {
        final @Nullable Subscription subscription = handlerOut;
        if (subscription != null) {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable cause) {
        closed(WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "server");
        out.close(cause);
    }

    @Override
    public void onComplete() {
        closed(WebSocketCloseStatus.NORMAL_CLOSURE.code(), "server");
        out.close(WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    /** Closes the connection with 1001 (going away), the handler's outbound stream cancelled. */
    void goingAway() {
        final EventExecutor loop = ctx.eventLoop();
        loop.execute(() -> {
            closed(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "server");
            out.close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "the service instance is draining");
            cancelHandler();
        });
    }

    private void cancelHandler() {
        final @Nullable Subscription subscription = handlerOut;
        if (subscription != null) {
            subscription.cancel();
        }
    }
}
