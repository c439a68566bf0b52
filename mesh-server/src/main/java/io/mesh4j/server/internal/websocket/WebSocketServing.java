package io.mesh4j.server.internal.websocket;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.telemetry.MeshMetrics;

/**
 * The WebSocket routes of one mesh server and the connections open on them. Each route is an Armeria
 * {@link WebSocketService} added like any other route, so that the server's one stack (authorization, limits, faults,
 * tracing, request metrics) judges its upgrade; inside the stack a gate answers 503 once the server drains, before
 * the upgrade is made.
 *
 * <p>Draining has two steps, as {@code MeshServer.stop()} takes them: {@link #draining()} when it deregisters (no new
 * upgrades, so a caller that has not heard of the deregistration yet moves on at once), and {@link #goingAway()} at the
 * end of the drain period (every open connection closed with 1001, going away, so that its caller reconnects to an
 * instance that stays; by then its watch has heard this one leave).
 */
public final class WebSocketServing {

    private final ServiceName service;
    private final MeshMetrics metrics;
    private final Set<MeteredSession> open = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    public WebSocketServing(ServiceName service, MeshMetrics metrics) {
        this.service = requireNonNull(service, "service");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /**
     * The service of one WebSocket route.
     *
     * @param route the route's path, which its meters are labelled with
     * @param handler the user's handler
     * @return the route's service: the drain gate in front of the upgrade, and the metered handler behind it
     */
    public HttpService service(String route, WebSocketServiceHandler handler) {
        requireNonNull(route, "route");
        requireNonNull(handler, "handler");
        final WebSocketService upgrade = WebSocketService.of((ctx, in) -> {
            final MeteredSession session = new MeteredSession(ctx, service.value(), route, metrics);
            open.add(session);
            ctx.log().whenComplete().thenRun(() -> open.remove(session));
            return session.serve(handler, in);
        });
        // Armeria finds the WebSocketService through the decorator (HttpService.as), so the upgrade still works.
        return upgrade.decorate((delegate, ctx, req) -> draining ? refuse() : delegate.serve(ctx, req));
    }

    private HttpResponse refuse() {
        final String why = "this instance of " + service + " is draining and takes no new WebSocket connections "
                + "(expected: connect again; the mesh client picks another instance)";
        return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, why);
    }

    /** The server has begun to drain: upgrades are refused with 503 from now on. */
    public void draining() {
        draining = true;
    }

    /** The drain period is over: every open connection is closed with 1001 (going away). */
    public void goingAway() {
        draining = true;
        open.forEach(MeteredSession::goingAway);
    }

    /**
     * Returns how many WebSocket connections are open on this server now.
     *
     * @return the count
     */
    public int openConnections() {
        return open.size();
    }
}
