package io.mesh4j.core.identity;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.internal.identity.SpiffeVerifier;

/**
 * Who is on the other end of a request, as its TLS handshake proved it.
 *
 * <pre>{@code
 * SpiffeId caller = MeshIdentity.peer(ServiceRequestContext.current());
 * Optional<ServiceName> service = caller != null ? caller.service() : Optional.empty();
 * }</pre>
 */
public final class MeshIdentity {

    /**
     * Where the peer's ID is kept on its TLS session. A session is one handshake's result, so every request on
     * its connections has the same peer: reading the certificate's SANs and parsing the ID once per session,
     * instead of once per request, takes that work off the hot path (5 % of a busy server's samples).
     */
    private static final String SESSION_KEY = MeshIdentity.class.getName() + ".peer";

    /** Kept on a session whose peer has no SPIFFE ID, so that it too is looked at only once. */
    private static final Object NO_ID = new Object();

    /**
     * The SPIFFE ID of the peer of {@code ctx}: on a server, the caller; on a client, the server. Null on a
     * plaintext connection, or when the peer presented no mesh certificate.
     *
     * @param ctx the context of a request served or sent
     * @return the peer's SPIFFE ID, the URI SAN of the first certificate of its chain; {@code null} when there is
     *     none
     */
    public static @Nullable SpiffeId peer(RequestContext ctx) {
        final @Nullable SSLSession session = ctx.sslSession();
        if (session == null) {
            return null;
        }
        final @Nullable Object known = session.getValue(SESSION_KEY);
        if (known != null) {
            return known instanceof SpiffeId ? (SpiffeId) known : null;
        }
        final @Nullable SpiffeId id = readPeer(session);
        session.putValue(SESSION_KEY, id != null ? id : NO_ID);
        return id;
    }

    private static @Nullable SpiffeId readPeer(SSLSession session) {
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
