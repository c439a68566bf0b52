package io.mesh4j.core.internal.identity;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ConnectionPoolListener;
import com.linecorp.armeria.common.SessionProtocol;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeMap;

/**
 * The open TLS connections of a server or a client factory, so that a change of trust (a root retired, a
 * certificate revoked) reaches connections that were verified before it: {@link #sweep} verifies each one's peer
 * again against the trust as it is now and closes those that no longer pass. It runs when a change is pushed, never
 * per request; a connection still in its handshake is left to the handshake, which reads the new trust itself.
 */
public final class TlsConnections {

    private static final Logger logger = LoggerFactory.getLogger(TlsConnections.class);

    private final String who;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();

    /**
     * @param who whose connections, for the log, such as {@code "orders/orders-1"}
     */
    public TlsConnections(String who) {
        this.who = requireNonNull(who, "who");
    }

    /** Keeps {@code channel} until it closes. */
    public void track(Channel channel) {
        if (channels.add(channel)) {
            channel.closeFuture().addListener(unused -> channels.remove(channel));
        }
    }

    /**
     * Closes every connection whose peer {@code trust} refuses now; returns how many.
     *
     * @param peersAreClients whether the peers are clients (on a server) or servers (on a client)
     */
    public int sweep(X509ExtendedTrustManager trust, boolean peersAreClients) {
        int closed = 0;
        for (Channel channel : channels) {
            final @Nullable SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null || !tls.handshakeFuture().isSuccess()) {
                continue;
            }
            final SSLEngine engine = tls.engine();
            final X509Certificate[] chain = peerChain(engine);
            // A peer without a SPIFFE ID is no member: a service outside the mesh called over plain TLS
            // (PeerTransport.TLS), verified by the JVM's trust store on the same factory. The mesh's trust never
            // admitted it, so a change of that trust has nothing to say about it.
            if (chain == null
                    || chain.length == 0
                    || SpiffeVerifier.idOf(chain[0]).isEmpty()) {
                continue;
            }
            try {
                if (peersAreClients) {
                    trust.checkClientTrusted(chain, "UNKNOWN", engine);
                } else {
                    trust.checkServerTrusted(chain, "UNKNOWN", engine);
                }
            } catch (CertificateException e) {
                logger.info("{}: closing the connection with {}: {}", who, channel.remoteAddress(), e.getMessage());
                channel.close();
                closed++;
            }
        }
        return closed;
    }

    /**
     * A listener for a client factory that tracks the connections it opens (Armeria hands the listener the
     * connection's channel as its attributes).
     */
    public ConnectionPoolListener poolListener() {
        return new ConnectionPoolListener() {
            @Override
            public void connectionOpen(
                    SessionProtocol protocol,
                    InetSocketAddress remoteAddr,
                    InetSocketAddress localAddr,
                    AttributeMap attrs) {
                if (attrs instanceof Channel channel) {
                    track(channel);
                }
            }

            @Override
            public void connectionClosed(
                    SessionProtocol protocol,
                    InetSocketAddress remoteAddr,
                    InetSocketAddress localAddr,
                    AttributeMap attrs) {
                // The channel's close future forgets it.
            }
        };
    }

    /** How many connections are tracked now. */
    public int size() {
        return channels.size();
    }

    private static X509Certificate @Nullable [] peerChain(SSLEngine engine) {
        final Certificate[] certificates;
        try {
            certificates = engine.getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        final X509Certificate[] chain = new X509Certificate[certificates.length];
        for (int i = 0; i < certificates.length; i++) {
            if (!(certificates[i] instanceof X509Certificate)) {
                return null;
            }
            chain[i] = (X509Certificate) certificates[i];
        }
        return chain;
    }
}
