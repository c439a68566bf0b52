package io.mesh4j.core.internal.identity;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;

/**
 * The peer of a TLS session as its certificate proved it, read once per session and kept on it: its SPIFFE ID, the
 * service the ID names and the ID as text. A session is one handshake's result, so every request on its connections
 * has the same peer; reading the SANs, parsing the ID, checking the service name (a regular expression) and writing
 * the ID out again per request was work and garbage on every request's path. Not API.
 *
 * @param id the SPIFFE ID of the peer's certificate; null when it presented none with one
 * @param service the service {@code id} names; null for no ID, or an ID that names no service (the registry's)
 * @param text {@code id} as text; null with it
 * @param leaf the certificate that proved {@code id}, for checks of the certificate itself (the registry's
 *     revocations by serial); null with it. {@link SSLSession#getPeerCertificates()} copies the chain on every call,
 *     so it is read here once per session too
 */
public record SessionPeer(
        @Nullable SpiffeId id,
        @Nullable ServiceName service,
        @Nullable String text,
        @Nullable X509Certificate leaf) {

    /** The peer of a plaintext connection, or of a session whose certificate has no SPIFFE ID. */
    public static final SessionPeer NONE = new SessionPeer(null, null, null, null);

    private static final String SESSION_KEY = SessionPeer.class.getName();

    /**
     * The peer of {@code ctx}'s connection: on a server, the caller; on a client, the server.
     *
     * @return {@link #NONE} on a plaintext connection or for a peer without a mesh certificate
     */
    public static SessionPeer of(RequestContext ctx) {
        final @Nullable SSLSession session = ctx.sslSession();
        if (session == null) {
            return NONE;
        }
        final @Nullable Object known = session.getValue(SESSION_KEY);
        if (known instanceof SessionPeer) {
            return (SessionPeer) known;
        }
        final SessionPeer peer = read(session);
        session.putValue(SESSION_KEY, peer);
        return peer;
    }

    private static SessionPeer read(SSLSession session) {
        final Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return NONE;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
            return NONE;
        }
        final X509Certificate leaf = (X509Certificate) chain[0];
        final @Nullable SpiffeId id = SpiffeVerifier.idOf(leaf).orElse(null);
        if (id == null) {
            return NONE;
        }
        return new SessionPeer(id, id.service().orElse(null), id.toString(), leaf);
    }
}
