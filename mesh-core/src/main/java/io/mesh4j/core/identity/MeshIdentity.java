package io.mesh4j.core.identity;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.internal.identity.SessionPeer;

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
     * The SPIFFE ID of the peer of {@code ctx}: on a server, the caller; on a client, the server. Null on a
     * plaintext connection, or when the peer presented no mesh certificate. Read from the certificate once per TLS
     * session and kept on it: every request on the session's connections has the same peer.
     *
     * @param ctx the context of a request served or sent
     * @return the peer's SPIFFE ID, the URI SAN of the first certificate of its chain; {@code null} when there is
     *     none
     */
    public static @Nullable SpiffeId peer(RequestContext ctx) {
        return SessionPeer.of(ctx).id();
    }

    private MeshIdentity() {}
}
