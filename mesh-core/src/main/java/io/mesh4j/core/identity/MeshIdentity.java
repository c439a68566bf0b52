package io.mesh4j.core.identity;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.RequestContext;

/**
 * Who is on the other end of a request, as its TLS handshake proved it.
 */
public final class MeshIdentity {

    /**
     * The SPIFFE ID of the peer of {@code ctx}: on a server, the caller; on a client, the server. Null on a
     * plaintext connection, or when the peer presented no mesh certificate.
     */
    public static @Nullable SpiffeId peer(RequestContext ctx) {
        final @Nullable SSLSession session = ctx.sslSession();
        if (session == null) {
            return null;
        }
        final Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
            return null;
        }
        return SpiffeVerifier.idOf((X509Certificate) chain[0]).orElse(null);
    }

    private MeshIdentity() {}
}
