package io.mesh4j.client.internal.tcp;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.mesh4j.client.TcpForwardConfig;
import io.mesh4j.client.internal.balancer.LeastConnections;
import io.mesh4j.client.internal.breaker.BreakerAttempt;
import io.mesh4j.client.internal.breaker.EndpointBreakers;
import io.mesh4j.client.internal.discovery.FirstEndpoint;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.tcp.Hold;
import io.mesh4j.core.internal.tcp.IdentitySslContexts;
import io.mesh4j.core.internal.tcp.IdleTimeout;
import io.mesh4j.core.internal.tcp.Pipe;
import io.mesh4j.core.internal.tcp.TcpMeters;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;

/**
 * One local connection's way to an instance: pick one, connect, shake hands (the instance must prove the service's
 * SPIFFE ID), and pipe; a connect or handshake that fails tries another instance, up to {@link #MAX_ATTEMPTS}, each
 * within the connect timeout. Nothing is read from the local connection before it is piped, so a retry never resends
 * a byte. When every attempt failed, or the service has no instance, the local connection is closed.
 *
 * <p>Each attempt is judged in its instance's breaker, the one the service's calls are judged in: a connect and
 * handshake that succeed count as a success, one that fails as a failure, so that an instance that refuses
 * connections is ejected (and passed over by the pick) like one that fails calls. An instance whose breaker refuses
 * the attempt counts as tried, without a connect.
 */
final class ForwardedConnection {

    private static final Logger logger = LoggerFactory.getLogger(ForwardedConnection.class);

    /** How many instances one connection tries before it gives up. */
    static final int MAX_ATTEMPTS = 3;

    private final Channel local;
    private final ServiceName service;
    private final EndpointGroup endpoints;
    private final LeastConnections balancer;
    private final IdentitySslContexts tls;
    private final EndpointBreakers breakers;
    private final Ticker ticker;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final TcpMeters meters;
    private final Consumer<Channel> piped;
    private final Set<String> tried = new HashSet<>();
    private boolean waitedForEndpoints;
    /** Why the last instance tried did not take the connection, for the warning when none did. */
    private @Nullable Throwable lastFailure;

    ForwardedConnection(
            Channel local,
            ServiceName service,
            EndpointGroup endpoints,
            LeastConnections balancer,
            IdentitySslContexts tls,
            EndpointBreakers breakers,
            Ticker ticker,
            TcpForwardConfig config,
            TcpMeters meters,
            Consumer<Channel> piped) {
        this.local = local;
        this.service = service;
        this.endpoints = endpoints;
        this.balancer = balancer;
        this.tls = tls;
        this.breakers = breakers;
        this.ticker = ticker;
        connectTimeout = config.connectTimeout();
        idleTimeout = config.idleTimeout();
        this.meters = meters;
        this.piped = piped;
    }

    /** Runs on the local connection's event loop. */
    void attempt() {
        if (!local.isActive()) {
            return;
        }
        final @Nullable Endpoint endpoint =
                tried.size() >= MAX_ATTEMPTS ? null : balancer.pick(endpoints.endpoints(), tried);
        if (endpoint == null) {
            if (tried.isEmpty() && !waitedForEndpoints) {
                // The first connection may come before the registry's first answer, or while the service has no
                // instance: wait for one, as a call does, no longer than a connect may take.
                waitedForEndpoints = true;
                FirstEndpoint.of(endpoints)
                        .orTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((unused, cause) -> local.eventLoop().execute(this::attempt));
                return;
            }
            meters.failed(tried.isEmpty() ? "no-instance" : "connect");
            logger.warn(
                    "{}: closing a connection to {}: {}",
                    local,
                    service,
                    tried.isEmpty()
                            ? "the registry knows no instance of it"
                            : "no instance took it, tried " + tried
                                    + (lastFailure != null ? "; the last one: " + lastFailure : ""));
            local.close();
            return;
        }
        tried.add(endpoint.authority());
        final SslHandler handshake;
        try {
            handshake = tls.current().newHandler(local.alloc(), endpoint.host(), endpoint.port());
        } catch (SSLException | IllegalStateException e) {
            meters.failed("tls");
            logger.warn("{}: no TLS context for {}", local, service, e);
            local.close();
            return;
        }
        handshake.setHandshakeTimeoutMillis(connectTimeout.toMillis());
        final @Nullable BreakerAttempt judged = breakers.tryAttempt(endpoint, ticker.read());
        if (judged == null) {
            logger.debug(
                    "{}: the breaker of {} refuses connections to {} now; trying another", local, endpoint, service);
            local.eventLoop().execute(this::attempt);
            return;
        }
        final ChannelFuture connect = new Bootstrap()
                .group(local.eventLoop())
                .channel(EventLoopGroups.socketChannelType(local.eventLoop()))
                // No half-close until the handshake is done: an instance that ends its side before it (a proxy with no
                // upstream, a process that accepts and exits) fails the handshake now, not at the connect timeout.
                .option(ChannelOption.ALLOW_HALF_CLOSURE, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(handshake).addLast(Hold.NAME, new Hold());
                    }
                })
                .connect(endpoint.ipAddr() != null ? endpoint.ipAddr() : endpoint.host(), endpoint.port());
        final Channel remote = connect.channel();
        local.closeFuture().addListener(unused -> remote.close());
        connect.addListener(connected -> {
            if (!connected.isSuccess()) {
                failed(judged, endpoint, connected.cause());
            }
        });
        handshake.handshakeFuture().addListener(shaken -> {
            if (!shaken.isSuccess()) {
                if (connect.isSuccess()) {
                    remote.close();
                    failed(judged, endpoint, shaken.cause());
                }
                return;
            }
            judged.succeeded(ticker.read());
            if (!local.isActive()) {
                remote.close();
                return;
            }
            remote.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            meters.opened();
            balancer.opened(endpoint);
            remote.closeFuture().addListener(unused -> {
                meters.closed();
                balancer.closed(endpoint);
            });
            piped.accept(remote);
            Pipe.connect(local, remote, meters::bytesOut, meters::bytesIn);
            // On the local side, the plain one: every byte either way is read from it or written to it.
            IdleTimeout.install(local, idleTimeout, () -> {
                meters.closedIdle();
                logger.debug("{}: closed after {} without a byte either way", local, idleTimeout);
            });
        });
    }

    private void failed(BreakerAttempt judged, Endpoint endpoint, @Nullable Throwable cause) {
        if (!local.isActive()) {
            // The local connection closed first, and closed this one: nothing is known of the instance.
            judged.abandoned();
            return;
        }
        judged.failed(ticker.read(), cause != null ? cause : new IllegalStateException("connect failed"));
        retry(endpoint, cause);
    }

    private void retry(Endpoint endpoint, @Nullable Throwable cause) {
        lastFailure = cause;
        logger.debug("{}: {} did not take a connection to {}; trying another", local, endpoint, service, cause);
        local.eventLoop().execute(this::attempt);
    }
}
