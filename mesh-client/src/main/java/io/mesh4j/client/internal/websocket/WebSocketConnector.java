package io.mesh4j.client.internal.websocket;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.websocket.WebSocketClient;
import com.linecorp.armeria.client.websocket.WebSocketClientHandshakeException;
import com.linecorp.armeria.client.websocket.WebSocketSession;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.client.MeshWebSocket;
import io.mesh4j.client.MeshWebSocketClient;
import io.mesh4j.client.NoEndpointException;
import io.mesh4j.client.internal.balancer.LeastConnections;
import io.mesh4j.client.internal.breaker.BreakerAttempt;
import io.mesh4j.client.internal.breaker.EndpointBreakers;
import io.mesh4j.client.internal.discovery.FirstEndpoint;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.opentelemetry.context.Context;

/**
 * The {@link MeshWebSocketClient} of one service: picks the instance of each connection by open connections among
 * the service's healthy endpoints, and moves on to another when one is draining or cannot be reached.
 */
public final class WebSocketConnector implements MeshWebSocketClient {

    private static final Logger logger = LoggerFactory.getLogger(WebSocketConnector.class);

    /** How many instances one connect tries before it gives up. */
    private static final int MAX_ATTEMPTS = 3;

    private final ServiceName service;
    private final EndpointGroup endpoints;
    private final Function<Endpoint, WebSocketClient> clients;
    private final Function<Context, HttpHeaders> traceHeaders;
    private final Duration pingInterval;
    private final Duration endpointWait;
    private final MeshTelemetry telemetry;
    private final EndpointBreakers breakers;
    private final Ticker ticker;
    private final LeastConnections balancer;
    private final AtomicInteger open = new AtomicInteger();

    /**
     * @param endpoints the instances a connection may go to now: the healthy ones, in the caller's zone while it has
     *     them
     * @param breakers the instances' breakers, the ones their calls are judged in: a connect that fails counts
     *     against its instance, and an instance whose breaker refuses is passed over
     * @param ticker the breakers' clock
     * @param clients makes the WebSocket client of one endpoint, with the mesh's factory and TLS
     * @param traceHeaders the headers that carry the caller's trace in the upgrade, so that the server's span of it
     *     joins the trace
     * @param pingInterval how often an open connection is pinged; zero for never
     * @param endpointWait how long a connect waits for the service's first instance
     * @param telemetry where the span and meters of each connection go
     */
    public WebSocketConnector(
            ServiceName service,
            EndpointGroup endpoints,
            EndpointBreakers breakers,
            Ticker ticker,
            Function<Endpoint, WebSocketClient> clients,
            Function<Context, HttpHeaders> traceHeaders,
            Duration pingInterval,
            Duration endpointWait,
            MeshTelemetry telemetry) {
        this.service = requireNonNull(service, "service");
        this.endpoints = requireNonNull(endpoints, "endpoints");
        this.breakers = requireNonNull(breakers, "breakers");
        this.ticker = requireNonNull(ticker, "ticker");
        this.balancer = new LeastConnections(breakers::isAvailable);
        this.clients = requireNonNull(clients, "clients");
        this.traceHeaders = requireNonNull(traceHeaders, "traceHeaders");
        this.pingInterval = requireNonNull(pingInterval, "pingInterval");
        this.endpointWait = requireNonNull(endpointWait, "endpointWait");
        this.telemetry = requireNonNull(telemetry, "telemetry");
    }

    @Override
    public ServiceName service() {
        return service;
    }

    @Override
    public CompletableFuture<MeshWebSocket> connect(String path) {
        requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: " + path + " (expected: an absolute path, such as /chat)");
        }
        // The client span starts here, a child of the caller's trace current here; its context goes with every
        // attempt, whatever thread makes it, so that the server's span of the upgrade is its child.
        final ConnectionTelemetry traced = new ConnectionTelemetry(telemetry, service.value(), path);
        // The caller's future completes once the span has ended, so the failure is recorded when the caller hears.
        return attempt(path, new HashSet<>(), false, traced).whenComplete((socket, cause) -> {
            if (cause != null) {
                traced.failed(cause);
            }
        });
    }

    private CompletableFuture<MeshWebSocket> attempt(
            String path, Set<String> tried, boolean waited, ConnectionTelemetry traced) {
        final @Nullable Endpoint endpoint =
                tried.size() >= MAX_ATTEMPTS ? null : balancer.pick(endpoints.endpoints(), tried);
        if (endpoint == null) {
            if (tried.isEmpty() && !waited) {
                // The first connect may come before the registry's first answer, or while the service has no
                // instance: wait for one, as a call does.
                return FirstEndpoint.of(endpoints)
                        .orTimeout(endpointWait.toMillis(), TimeUnit.MILLISECONDS)
                        .handle((unused, cause) -> null)
                        .thenCompose(unused -> attempt(path, tried, true, traced));
            }
            return CompletableFuture.failedFuture(new NoEndpointException(
                    service,
                    tried.isEmpty()
                            ? "no instance of " + service + " is known to the registry"
                            : "no instance of " + service + " took the WebSocket connection, tried " + tried));
        }
        tried.add(endpoint.authority());
        final @Nullable BreakerAttempt judged = breakers.tryAttempt(endpoint, ticker.read());
        if (judged == null) {
            // Its breaker opened since the pick: another.
            return attempt(path, tried, waited, traced);
        }
        return clients.apply(endpoint)
                .connect(path, traceHeaders.apply(traced.context()))
                .handle((session, cause) -> {
                    traced.attempted(endpoint, cause);
                    judge(judged, cause);
                    if (cause == null) {
                        return CompletableFuture.<MeshWebSocket>completedFuture(opened(endpoint, session, traced));
                    }
                    if (movesOn(Exceptions.peel(cause))) {
                        logger.debug(
                                "{} did not take a WebSocket connection to {}; trying another",
                                endpoint,
                                service,
                                cause);
                        return attempt(path, tried, waited, traced);
                    }
                    return CompletableFuture.<MeshWebSocket>failedFuture(cause);
                })
                .thenCompose(Function.identity());
    }

    /**
     * Tells the instance's breaker how the connect went, as a call's outcome would: an upgrade answered (accepted, or
     * refused by the access policy) is the instance working; one never reached (refused, timed out, a TLS handshake
     * that failed) or answered with an error is a failure; a 503 from an instance that is draining says nothing of
     * its health, only that it is leaving.
     */
    private void judge(BreakerAttempt judged, @Nullable Throwable cause) {
        final long now = ticker.read();
        if (cause == null) {
            judged.succeeded(now);
            return;
        }
        final Throwable peeled = Exceptions.peel(cause);
        if (peeled instanceof WebSocketClientHandshakeException handshake) {
            final HttpStatus status = handshake.headers().status();
            if (status.equals(HttpStatus.SERVICE_UNAVAILABLE)) {
                judged.abandoned();
            } else if (status.isClientError()) {
                judged.succeeded(now);
            } else {
                judged.failed(now, peeled);
            }
            return;
        }
        judged.failed(now, peeled);
    }

    /** A draining instance, or one never reached (refused, timed out, a handshake that failed): try another. */
    private static boolean movesOn(Throwable cause) {
        if (cause instanceof WebSocketClientHandshakeException handshake) {
            return handshake.headers().status().equals(HttpStatus.SERVICE_UNAVAILABLE);
        }
        return cause instanceof UnprocessedRequestException;
    }

    private MeshWebSocket opened(Endpoint endpoint, WebSocketSession session, ConnectionTelemetry traced) {
        balancer.opened(endpoint);
        open.incrementAndGet();
        traced.opened(endpoint, session.context());
        // Over once the server's side has ended (its close frame, or the connection gone): the request log of a
        // WebSocket may complete only later, when the client's own side is closed too.
        final AtomicBoolean counted = new AtomicBoolean(true);
        final Runnable closed = () -> {
            if (counted.compareAndSet(true, false)) {
                balancer.closed(endpoint);
                open.decrementAndGet();
                traced.ended();
            }
        };
        session.inbound().whenComplete().handle((unused, cause) -> {
            closed.run();
            return null;
        });
        session.context().log().whenComplete().thenRun(closed);
        return new PingingSocket(endpoint, session, pingInterval, traced);
    }

    @Override
    public int openConnections() {
        return open.get();
    }

    @Override
    public String toString() {
        return "MeshWebSocketClient(" + service + ')';
    }
}
