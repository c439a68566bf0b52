package io.mesh4j.server.internal.tcp;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.util.EventLoopGroups;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.RefusalLog;
import io.mesh4j.core.internal.identity.SpiffeVerifier;
import io.mesh4j.core.internal.tcp.IdleTimeout;
import io.mesh4j.core.internal.tcp.Pipe;
import io.mesh4j.core.internal.tcp.TcpMeters;
import io.mesh4j.server.internal.authz.AuthorizationTally;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * One caller's connection until it is piped: when its TLS handshake is done, the caller's SPIFFE ID is authorized,
 * and only then is the backend connected and the two piped. A refused caller's connection is closed; the backend
 * never hears of it. What the caller sends meanwhile waits in the pipeline's {@link io.mesh4j.core.internal.tcp.Hold}.
 */
public final class TcpInbound extends ChannelInboundHandlerAdapter {

    private static final Logger logger = LoggerFactory.getLogger(TcpInbound.class);
    static final String NAME = "mesh4j-tcp-inbound";

    private final InetSocketAddress backend;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final TcpAuthorization authorization;
    private final AuthorizationTally counts;
    private final TcpMeters meters;
    private final RefusalLog refusals;

    /**
     * @param connectTimeout how long the backend has to accept the connection
     * @param idleTimeout how long a piped connection may carry nothing before it is closed; zero for ever
     */
    public TcpInbound(
            InetSocketAddress backend,
            Duration connectTimeout,
            Duration idleTimeout,
            TcpAuthorization authorization,
            AuthorizationTally counts,
            TcpMeters meters,
            RefusalLog refusals) {
        this.backend = backend;
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.authorization = authorization;
        this.counts = counts;
        this.meters = meters;
        this.refusals = refusals;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            ctx.pipeline().remove(this);
            if (handshake.isSuccess()) {
                // Until it is piped, what the caller sends waits in memory: no more than one read's worth.
                ctx.channel().config().setAutoRead(false);
                authorize(ctx.channel());
            } else {
                meters.refused("handshake");
                logger.debug("{}: TLS handshake failed", ctx.channel(), handshake.cause());
                ctx.close();
            }
        }
    }

    private void authorize(Channel inbound) {
        final @Nullable SpiffeId caller = peer(inbound);
        final TcpAuthorization.Decision decision = authorization.decide(caller);
        counts.count(caller != null ? caller.toString() : "unknown", decision.allowed());
        if (!decision.allowed()) {
            meters.refused("policy");
            refusals.refused(decision.reason());
            logger.debug("{}", decision.reason());
            inbound.close();
            return;
        }
        final ChannelFuture connect = new Bootstrap()
                .group(inbound.eventLoop())
                .channel(EventLoopGroups.socketChannelType(inbound.eventLoop()))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInboundHandlerAdapter())
                .connect(backend);
        inbound.closeFuture().addListener(unused -> connect.channel().close());
        connect.addListener(connected -> {
            if (!connected.isSuccess()) {
                meters.failed("backend");
                logger.warn("{}: cannot connect to the backend {}", inbound, backend, connected.cause());
                inbound.close();
                return;
            }
            if (!inbound.isActive()) {
                connect.channel().close();
                return;
            }
            meters.opened();
            inbound.closeFuture().addListener(unused -> meters.closed());
            Pipe.connect(inbound, connect.channel(), meters::bytesIn, meters::bytesOut);
            // On the backend's side, the plain one: every byte either way is read from it or written to it.
            IdleTimeout.install(connect.channel(), idleTimeout, () -> {
                meters.closedIdle();
                logger.debug("{}: closed after {} without a byte either way", inbound, idleTimeout);
            });
        });
    }

    private static @Nullable SpiffeId peer(Channel channel) {
        final @Nullable SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            return null;
        }
        final Certificate[] chain;
        try {
            chain = tls.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate first)) {
            return null;
        }
        return SpiffeVerifier.idOf(first).orElse(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("{}: closed before it was piped", ctx.channel(), cause);
        ctx.close();
    }
}
