package io.mesh4j.client.internal.websocket;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.websocket.WebSocketSession;
import com.linecorp.armeria.common.websocket.CloseWebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;

import io.mesh4j.client.MeshWebSocket;

/**
 * An open connection that the mesh keeps alive: a ping on the connection's event loop whenever a whole interval has
 * passed without a frame from the server, until it ends; the server's pongs taken out of what the user reads, and
 * the server's pings answered. What the user writes is forwarded, one frame at a time, to the connection's own writer,
 * which the pings share; each message each way is counted, and the first close frame either side sends is what the
 * connection's close is recorded by.
 */
final class PingingSocket implements MeshWebSocket, Subscriber<WebSocketFrame> {

    private final Endpoint endpoint;
    private final ClientRequestContext context;
    private final WebSocketWriter outbound;
    private final WebSocketWriter userOut = WebSocket.streaming();
    private final WebSocket inbound;
    private final ConnectionTelemetry traced;
    private @Nullable Subscription userFrames;
    private final long idleNanos;
    private volatile long lastHeardNanos = System.nanoTime();

    PingingSocket(Endpoint endpoint, WebSocketSession session, Duration pingInterval, ConnectionTelemetry traced) {
        this.endpoint = endpoint;
        this.traced = traced;
        context = session.context();
        // The session's one writer: the user's frames and the mesh's pings go through it.
        outbound = session.outbound();
        inbound = WebSocket.of(session.inbound().filter(this::forUser));
        userOut.subscribe(this, context.eventLoop());
        // Once the connection's writer is done (closed, or the connection gone), the user's takes no more frames.
        outbound.whenComplete().handle((unused, cause) -> {
            userOut.abort();
            return null;
        });
        idleNanos = pingInterval.toNanos();
        if (!pingInterval.isZero()) {
            final long millis = pingInterval.toMillis();
            final ScheduledFuture<?> pings =
                    context.eventLoop().scheduleAtFixedRate(this::ping, millis, millis, TimeUnit.MILLISECONDS);
            context.log().whenComplete().thenRun(() -> pings.cancel(false));
            outbound.whenComplete().handle((unused, cause) -> pings.cancel(false));
        }
    }

    private void ping() {
        // A connection that carries frames is alive; the check runs every interval, so an idle one is pinged within
        // two. The slack lets a check that runs a little early still ping.
        if (System.nanoTime() - lastHeardNanos >= idleNanos - idleNanos / 10) {
            // False once the outbound stream is closing: the scheduled pings end with it.
            final boolean unused = outbound.tryWrite(WebSocketFrame.ofPing());
        }
    }

    private boolean forUser(WebSocketFrame frame) {
        lastHeardNanos = System.nanoTime();
        if (frame.type() == WebSocketFrameType.PING) {
            final boolean unused = outbound.tryWrite(WebSocketFrame.ofPong(frame.array()));
            return false;
        }
        if (frame.type() == WebSocketFrameType.TEXT || frame.type() == WebSocketFrameType.BINARY) {
            traced.message(false);
        } else if (frame instanceof CloseWebSocketFrame close) {
            traced.closeFrame(close.status().code(), "server");
        }
        return frame.type() != WebSocketFrameType.PONG;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        userFrames = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            traced.closeFrame(close.status().code(), "client");
        } else if (frame.type() == WebSocketFrameType.TEXT || frame.type() == WebSocketFrameType.BINARY) {
            traced.message(true);
        }
        if (!outbound.tryWrite(frame)) {
            // The connection is closing or closed: nothing more of the user's goes out.
            frame.close();
            cancelUserFrames();
            return;
        }
        // One frame at a time: the user's writer fills no faster than the connection takes its frames.
        outbound.whenConsumed().thenRun(this::requestNext);
    }

    private void requestNext() {
        final @Nullable Subscription subscription = userFrames;
        if (subscription != null) {
            subscription.request(1);
        }
    }

    private void cancelUserFrames() {
        final @Nullable Subscription subscription = userFrames;
        if (subscription != null) {
            subscription.cancel();
        }
    }

    @Override
    public void onError(Throwable cause) {
        // The user aborted their writer, or the connection's ended first (then this closes what is closed).
        outbound.close(cause);
    }

    @Override
    public void onComplete() {
        // A user's close writes a close frame first, which closed the connection's writer already.
        outbound.close();
    }

    @Override
    public WebSocket inbound() {
        return inbound;
    }

    @Override
    public WebSocketWriter outbound() {
        return userOut;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public ClientRequestContext context() {
        return context;
    }

    @Override
    public String toString() {
        return "MeshWebSocket(" + endpoint + ')';
    }
}
