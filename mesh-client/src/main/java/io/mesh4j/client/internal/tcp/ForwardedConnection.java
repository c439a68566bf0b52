package io.mesh4j.client.internal.tcp;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.mesh4j.client.internal.balancer.LeastConnections;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.tcp.Hold;
import io.mesh4j.core.internal.tcp.IdentitySslContexts;
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
    private final Duration connectTimeout;
    private final TcpMeters meters;
    private final Consumer<Channel> piped;
    private final Set<String> tried = new HashSet<>();
    private boolean waitedForEndpoints;

    ForwardedConnection(
            Channel local,
            ServiceName service,
            EndpointGroup endpoints,
            LeastConnections balancer,
            IdentitySslContexts tls,
            Duration connectTimeout,
            TcpMeters meters,
            Consumer<Channel> piped) {
        this.local = local;
        this.service = service;
        this.endpoints = endpoints;
        this.balancer = balancer;
        this.tls = tls;
        this.connectTimeout = connectTimeout;
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
                whenAnyEndpoint()
                        .orTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((unused, cause) -> local.eventLoop().execute(this::attempt));
                return;
            }
            meters.failed(tried.isEmpty() ? "no-instance" : "connect");
            logger.warn(
                    "{}: closing a connection to {}: {}",
                    local,
                    service,
                    tried.isEmpty() ? "the registry knows no instance of it" : "no instance took it, tried " + tried);
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
        final ChannelFuture connect = new Bootstrap()
                .group(local.eventLoop())
                .channel(EventLoopGroups.socketChannelType(local.eventLoop()))
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
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
                retry(endpoint, connected.cause());
            }
        });
        handshake.handshakeFuture().addListener(shaken -> {
            if (!shaken.isSuccess()) {
                if (connect.isSuccess()) {
                    remote.close();
                    retry(endpoint, shaken.cause());
                }
                return;
            }
            if (!local.isActive()) {
                remote.close();
                return;
            }
            meters.opened();
            balancer.opened(endpoint);
            remote.closeFuture().addListener(unused -> {
                meters.closed();
                balancer.closed(endpoint);
            });
            piped.accept(remote);
            Pipe.connect(local, remote, meters::bytesOut, meters::bytesIn);
        });
    }

    private CompletableFuture<Void> whenAnyEndpoint() {
        final CompletableFuture<Void> some = new CompletableFuture<>();
        final Consumer<List<Endpoint>> listener = list -> {
            if (!list.isEmpty()) {
                some.complete(null);
            }
        };
        endpoints.addListener(listener, true);
        some.whenComplete((unused, cause) -> endpoints.removeListener(listener));
        return some;
    }

    private void retry(Endpoint endpoint, @Nullable Throwable cause) {
        logger.debug("{}: {} did not take a connection to {}; trying another", local, endpoint, service, cause);
        local.eventLoop().execute(this::attempt);
    }
}
