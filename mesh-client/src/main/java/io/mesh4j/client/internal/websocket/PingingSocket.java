package io.mesh4j.client.internal.websocket;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.websocket.WebSocketSession;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;

import io.mesh4j.client.MeshWebSocket;

/**
 * An open connection that the mesh keeps alive: a ping on the connection's event loop whenever a whole interval has
 * passed without a frame from the server, until it ends; the server's pongs taken out of what the user reads, and
 * the server's pings answered.
 */
final class PingingSocket implements MeshWebSocket {

    private final Endpoint endpoint;
    private final ClientRequestContext context;
    private final WebSocketWriter outbound;
    private final WebSocket inbound;
    private final long idleNanos;
    private volatile long lastHeardNanos = System.nanoTime();

    PingingSocket(Endpoint endpoint, WebSocketSession session, Duration pingInterval) {
        this.endpoint = endpoint;
        context = session.context();
        // The session's one writer: the user's frames and the mesh's pings go through it.
        outbound = session.outbound();
        inbound = WebSocket.of(session.inbound().filter(this::forUser));
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
        return frame.type() != WebSocketFrameType.PONG;
    }

    @Override
    public WebSocket inbound() {
        return inbound;
    }

    @Override
    public WebSocketWriter outbound() {
        return outbound;
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
