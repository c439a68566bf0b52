package io.mesh4j.client.internal.tcp;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import javax.net.ssl.X509ExtendedTrustManager;

import com.github.benmanes.caffeine.cache.Ticker;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.mesh4j.client.TcpForward;
import io.mesh4j.client.TcpForwardConfig;
import io.mesh4j.client.internal.balancer.LeastConnections;
import io.mesh4j.client.internal.breaker.EndpointBreakers;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.TlsConnections;
import io.mesh4j.core.internal.tcp.Hold;
import io.mesh4j.core.internal.tcp.IdentitySslContexts;
import io.mesh4j.core.internal.tcp.TcpMeters;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The loopback listener of a {@link TcpForward}: each connection it accepts is carried to an instance of the service
 * by a {@link ForwardedConnection}. Runs on Armeria's shared event loops, each local connection and its mesh
 * connection on one loop.
 */
public final class TcpForwarder implements TcpForward {

    private final ServiceName service;
    private final Channel listening;
    private final InetSocketAddress address;
    private final TcpMeters meters;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Consumer<TcpForward> onClose;
    private final TcpForwardConfig config;

    /**
     * Listens on {@code port} of the loopback address (0: any free one) at once.
     *
     * @param endpoints the instances a connection may go to now: the healthy ones, in the caller's zone while it
     *     has them
     * @param breakers the breakers of the service's instances, which the service's calls are judged in too
     * @param onClose told once, when closed
     */
    public TcpForwarder(
            ServiceName service,
            WorkloadIdentity identity,
            EndpointGroup endpoints,
            EndpointBreakers breakers,
            Ticker ticker,
            TcpForwardConfig config,
            TcpMeters meters,
            Consumer<TcpForward> onClose) {
        this.service = requireNonNull(service, "service");
        this.config = requireNonNull(config, "config");
        this.meters = requireNonNull(meters, "meters");
        this.onClose = requireNonNull(onClose, "onClose");
        final SpiffeId expected = SpiffeId.ofService(identity.trustDomain(), service);
        // The instance must prove the service's own ID: an instance of another service at a stale address, or an
        // impostor, fails the handshake and the connection tries another instance.
        final X509ExtendedTrustManager trust = identity.trustManager(expected::equals, expected.toString());
        // A change of trust (a root retired, the instance's certificate revoked) closes the open connections whose
        // instance it no longer admits, as the HTTP client does; new ones meet it in their handshake.
        final TlsConnections remotes = new TlsConnections("tcp forward to " + service);
        identity.onTrustChange(() -> remotes.sweep(trust, false));
        final IdentitySslContexts tls = new IdentitySslContexts(
                identity,
                keyPair -> SslContextBuilder.forClient()
                        .keyManager(keyPair.privateKey(), keyPair.certificateChain())
                        .trustManager(trust)
                        // The SPIFFE ID is the name checked, not the host: instances register IP addresses.
                        .endpointIdentificationAlgorithm(null)
                        .sslProvider(IdentitySslContexts.PROVIDER)
                        .build());
        // Passes over an instance whose breaker would refuse the connection, as the service's calls do.
        final LeastConnections balancer = new LeastConnections(breakers::isAvailable);
        final EventLoopGroup loops = CommonPools.workerGroup();
        listening = new ServerBootstrap()
                .group(loops)
                .channel(EventLoopGroups.serverChannelType(loops))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel local) {
                        connections.add(local);
                        local.pipeline().addLast(Hold.NAME, new Hold());
                        final ForwardedConnection forwarded = new ForwardedConnection(
                                local,
                                service,
                                endpoints,
                                balancer,
                                tls,
                                breakers,
                                ticker,
                                config,
                                meters,
                                remotes::track);
                        local.eventLoop().execute(forwarded::attempt);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()))
                .syncUninterruptibly()
                .channel();
        address = (InetSocketAddress) listening.localAddress();
    }

    @Override
    public ServiceName service() {
        return service;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public TcpForwardConfig config() {
        return config;
    }

    @Override
    public int openConnections() {
        return meters.active();
    }

    @Override
    public void close() {
        if (listening.isOpen()) {
            listening.close().syncUninterruptibly();
            connections.close().syncUninterruptibly();
            onClose.accept(this);
        }
    }

    @Override
    public String toString() {
        return "TcpForward(" + address() + " -> " + service + ')';
    }
}
