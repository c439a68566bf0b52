package io.mesh4j.core.internal.identity;

import static java.util.Objects.requireNonNull;
import static java.util.Objects.requireNonNullElse;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.SpiffeVerifier.PeerRole;

/**
 * A TLS trust manager that verifies peers with {@link SpiffeVerifier} against the trust state as it is at each
 * handshake (the roots in force and the revoked certificates), so that a CA rotation or a revocation reaches a live
 * listener without a restart. Whom it accepts is a predicate on the peer's SPIFFE ID; every refusal is logged once
 * per reason and minute. Revocation costs the handshake two hash lookups and a request nothing: connections that
 * were open before a revocation are closed by {@link TlsConnections} when it is pushed.
 */
public final class SpiffeTrustManager extends X509ExtendedTrustManager {

    private final Supplier<TrustState> trust;
    private final String trustDomain;
    private final Predicate<SpiffeId> accepted;
    private final String acceptedDescription;
    private final Clock clock;
    private final RefusalLog refusals;

    /**
     * @param accepted            which peers may connect, beyond holding a valid certificate of the trust domain
     * @param acceptedDescription who that is, for the log line of a refusal, such as "spiffe://mesh.local/svc/orders"
     */
    public SpiffeTrustManager(
            Supplier<List<X509Certificate>> bundle,
            String trustDomain,
            Predicate<SpiffeId> accepted,
            String acceptedDescription,
            Clock clock,
            RefusalLog refusals) {
        this(
                trustDomain,
                withoutRevocations(requireNonNull(bundle, "bundle")),
                accepted,
                acceptedDescription,
                clock,
                refusals);
    }

    private SpiffeTrustManager(
            String trustDomain,
            Supplier<TrustState> trust,
            Predicate<SpiffeId> accepted,
            String acceptedDescription,
            Clock clock,
            RefusalLog refusals) {
        this.trust = requireNonNull(trust, "trust");
        this.trustDomain = requireNonNull(trustDomain, "trustDomain");
        this.accepted = requireNonNull(accepted, "accepted");
        this.acceptedDescription = requireNonNull(acceptedDescription, "acceptedDescription");
        this.clock = requireNonNull(clock, "clock");
        this.refusals = requireNonNull(refusals, "refusals");
    }

    /**
     * A trust manager as the constructor makes, that also refuses the certificates {@code trust} says are revoked.
     */
    public static SpiffeTrustManager revoking(
            Supplier<TrustState> trust,
            String trustDomain,
            Predicate<SpiffeId> accepted,
            String acceptedDescription,
            Clock clock,
            RefusalLog refusals) {
        return new SpiffeTrustManager(trustDomain, trust, accepted, acceptedDescription, clock, refusals);
    }

    /**
     * Verifies {@code chain} as a peer in {@code role} and returns its ID.
     *
     * @throws CertificateException after logging why
     */
    public SpiffeId verify(X509Certificate[] chain, PeerRole role) throws CertificateException {
        try {
            final TrustState state = trust.get();
            final SpiffeId id = SpiffeVerifier.verify(chain, state.roots(), trustDomain, role, clock.instant());
            final @Nullable String revoked = state.revocationOf(chain[0], id);
            if (revoked != null) {
                throw new CertificateException(revoked);
            }
            if (!accepted.test(id)) {
                throw new CertificateException("the peer is " + id + ", expected " + acceptedDescription);
            }
            return id;
        } catch (CertificateException e) {
            refusals.refused(requireNonNullElse(e.getMessage(), e.toString()));
            throw e;
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, PeerRole.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, PeerRole.SERVER);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        verify(chain, PeerRole.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        verify(chain, PeerRole.SERVER);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, PeerRole.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, PeerRole.SERVER);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trust.get().roots().toArray(X509Certificate[]::new);
    }

    private static Supplier<TrustState> withoutRevocations(Supplier<List<X509Certificate>> bundle) {
        return () -> TrustState.of(bundle.get());
    }
}
