package io.mesh4j.server.internal.tcp;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.TlsConnections;
import io.mesh4j.core.internal.tcp.Hold;
import io.mesh4j.core.internal.tcp.IdentitySslContexts;
import io.mesh4j.core.internal.tcp.TcpMeters;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The listener of a TCP service: mTLS with the workload's current certificate, callers verified against the mesh's
 * trust bundle, at most {@code maxConnections} open at once (one more is closed as it comes), each authorized when
 * its handshake is done and then piped to the backend ({@link TcpInbound}). Runs on Armeria's shared event loops.
 *
 * <p>{@link #stop} closes the port, lets the open connections finish for as long as it is given, then closes the
 * rest.
 */
public final class TcpListener {

    private static final Logger logger = LoggerFactory.getLogger(TcpListener.class);

    private final String who;
    private final int maxConnections;
    private final Duration handshakeTimeout;
    private final Supplier<ChannelHandler> inbound;
    private final IdentitySslContexts contexts;
    private final TlsConnections tlsConnections;
    private final X509ExtendedTrustManager callers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private final TcpMeters meters;
    private @Nullable Channel listening;

    /**
     * @param who whose listener, for the log, such as {@code redis/redis-1}
     * @param maxConnections how many connections may be open at once
     * @param handshakeTimeout how long a caller has to complete its TLS handshake
     * @param inbound makes the handler that authorizes and pipes each new connection
     */
    public TcpListener(
            String who,
            WorkloadIdentity identity,
            int maxConnections,
            Duration handshakeTimeout,
            TcpMeters meters,
            Supplier<ChannelHandler> inbound) {
        this.who = requireNonNull(who, "who");
        requireNonNull(identity, "identity");
        this.maxConnections = maxConnections;
        this.handshakeTimeout = requireNonNull(handshakeTimeout, "handshakeTimeout");
        this.meters = requireNonNull(meters, "meters");
        this.inbound = requireNonNull(inbound, "inbound");
        callers = identity.trustManager(id -> id.service().isPresent(), "a workload of " + identity.trustDomain());
        contexts = new IdentitySslContexts(
                identity,
                keyPair -> SslContextBuilder.forServer(keyPair.privateKey(), keyPair.certificateChain())
                        .trustManager(callers)
                        .clientAuth(ClientAuth.REQUIRE)
                        .sslProvider(IdentitySslContexts.PROVIDER)
                        .build());
        // A change of trust closes the connections of callers it no longer admits, as the HTTP listener does.
        tlsConnections = new TlsConnections(who);
        identity.onTrustChange(() -> tlsConnections.sweep(callers, true));
    }

    /** Listens on {@code port} (0: any free one); completes with the port bound. */
    public synchronized CompletableFuture<Integer> start(int port) {
        final EventLoopGroup loops = CommonPools.workerGroup();
        final ChannelFuture bound = new ServerBootstrap()
                .group(loops)
                .channel(EventLoopGroups.serverChannelType(loops))
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) throws Exception {
                        accept(channel);
                    }
                })
                .bind(new InetSocketAddress(port));
        listening = bound.channel();
        final CompletableFuture<Integer> started = new CompletableFuture<>();
        bound.addListener(done -> {
            if (done.isSuccess()) {
                started.complete(((InetSocketAddress) bound.channel().localAddress()).getPort());
            } else {
                started.completeExceptionally(done.cause());
            }
        });
        return started;
    }

    private void accept(Channel channel) throws Exception {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            meters.refused("limit");
            logger.debug("{}: refused {}: {} connections open (the limit)", who, channel, maxConnections);
            channel.close();
            return;
        }
        channel.closeFuture().addListener(unused -> open.decrementAndGet());
        connections.add(channel);
        tlsConnections.track(channel);
        final SslHandler tls = contexts.current().newHandler(channel.alloc());
        tls.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        channel.pipeline().addLast(tls).addLast(inbound.get()).addLast(Hold.NAME, new Hold());
    }

    /** The port bound; -1 when not listening. */
    public synchronized int port() {
        final @Nullable Channel channel = listening;
        return channel != null && channel.localAddress() instanceof InetSocketAddress address ? address.getPort() : -1;
    }

    /** How many connections are open now, piped or still being authorized. */
    public int openConnections() {
        return open.get();
    }

    /**
     * Stops accepting, waits up to {@code timeout} for the open connections to close by themselves, then closes
     * them.
     */
    public CompletableFuture<Void> stop(Duration timeout) {
        final @Nullable Channel channel;
        synchronized (this) {
            channel = listening;
        }
        final CompletableFuture<Void> stopped = new CompletableFuture<>();
        if (channel == null) {
            stopped.complete(null);
            return stopped;
        }
        channel.close().addListener(closed -> waitForConnections(System.nanoTime() + timeout.toNanos(), stopped));
        return stopped;
    }

    private void waitForConnections(long deadline, CompletableFuture<Void> stopped) {
        if (open.get() <= 0) {
            stopped.complete(null);
            return;
        }
        if (System.nanoTime() - deadline >= 0) {
            logger.info("{}: closing {} TCP connections still open after the shutdown timeout", who, open.get());
            connections.close().addListener(unused -> stopped.complete(null));
            return;
        }
        CommonPools.workerGroup().schedule(() -> waitForConnections(deadline, stopped), 50, TimeUnit.MILLISECONDS);
    }
}
