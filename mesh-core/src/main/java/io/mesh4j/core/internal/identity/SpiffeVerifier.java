package io.mesh4j.core.internal.identity;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.mesh4j.core.identity.SpiffeId;

/**
 * Verifies a peer's certificate the SPIFFE way: its chain leads to a root of the trust bundle, it is valid now,
 * it may be used for the peer's side of the handshake, and it names exactly one SPIFFE ID, in our trust domain.
 * Host names play no part: a mesh peer is known by its SPIFFE ID, not by the address it was reached at.
 */
public final class SpiffeVerifier {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int URI_NAME = 6;

    /** Which side of a handshake the peer is on, which says which extended key usage it needs. */
    public enum PeerRole {
        SERVER(SERVER_AUTH, "TLS server"),
        CLIENT(CLIENT_AUTH, "TLS client");

        final String extendedKeyUsage;
        final String description;

        PeerRole(String extendedKeyUsage, String description) {
            this.extendedKeyUsage = extendedKeyUsage;
            this.description = description;
        }
    }

    /**
     * Verifies {@code chain} (the peer's certificate first) and returns the SPIFFE ID it proves.
     *
     * @throws CertificateException saying why the peer is refused, in words fit for a log line
     */
    public static SpiffeId verify(
            X509Certificate[] chain, Collection<X509Certificate> roots, String trustDomain, PeerRole role, Instant now)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the peer sent no certificate");
        }
        final X509Certificate leaf = chain[0];
        final SpiffeId id = idOf(leaf)
                .orElseThrow(() -> new CertificateException(
                        "the peer's certificate (" + leaf.getSubjectX500Principal() + ") carries no SPIFFE ID"));
        if (!id.trustDomain().equals(trustDomain)) {
            throw new CertificateException(
                    "the peer " + id + " is from trust domain " + id.trustDomain() + ", not " + trustDomain);
        }
        validatePath(chain, roots, id, now);
        checkPurpose(leaf, id, role);
        return id;
    }

    /**
     * The SPIFFE ID of {@code certificate}: its one URI SAN, if that is a SPIFFE ID.
     */
    public static Optional<SpiffeId> idOf(X509Certificate certificate) {
        final Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        final List<String> uris = new ArrayList<>();
        for (List<?> name : names) {
            if (((Integer) name.get(0)) == URI_NAME) {
                uris.add((String) name.get(1));
            }
        }
        if (uris.size() != 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(SpiffeId.parse(uris.get(0)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static void validatePath(
            X509Certificate[] chain, Collection<X509Certificate> roots, SpiffeId id, Instant now)
            throws CertificateException {
        final Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate root : roots) {
            anchors.add(new TrustAnchor(root, null));
        }
        if (anchors.isEmpty()) {
            throw new CertificateException("no trust bundle to verify " + id + " against");
        }
        // The peer may send its roots along; the path stops before them, at a trust anchor of our own.
        final List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
        path.removeIf(roots::contains);
        if (path.isEmpty()) {
            throw new CertificateException("the peer " + id + " presented a root certificate as its own");
        }
        try {
            final CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            final PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            final String why = describe(e, chain[0], id, now);
            throw isUnknownIssuer(e) ? new UnknownIssuerException(why, e) : new CertificateException(why, e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot verify the certificate of " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * A refusal because no root of the bundle issued the peer's certificate: the peer is of another CA, or the
     * bundle is older than the CA's rotation.
     */
    public static final class UnknownIssuerException extends CertificateException {

        private static final long serialVersionUID = 1L;

        UnknownIssuerException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static boolean isUnknownIssuer(CertPathValidatorException e) {
        final CertPathValidatorException.Reason reason = e.getReason();
        return reason == CertPathValidatorException.BasicReason.INVALID_SIGNATURE
                || reason == CertPathValidatorException.BasicReason.UNSPECIFIED
                || reason == java.security.cert.PKIXReason.NO_TRUST_ANCHOR;
    }

    private static String describe(CertPathValidatorException e, X509Certificate leaf, SpiffeId id, Instant now) {
        final CertPathValidatorException.Reason reason = e.getReason();
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
            return "the certificate of " + id + " expired at "
                    + leaf.getNotAfter().toInstant() + " (now " + now + ')';
        }
        if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return "the certificate of " + id + " is valid only from "
                    + leaf.getNotBefore().toInstant();
        }
        if (isUnknownIssuer(e)) {
            return "the certificate of " + id + " was not issued by this mesh's CA (issuer: "
                    + leaf.getIssuerX500Principal() + ')';
        }
        return "the certificate of " + id + " does not verify: " + e.getMessage();
    }

    private static void checkPurpose(X509Certificate leaf, SpiffeId id, PeerRole role) throws CertificateException {
        final boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && !keyUsage[0]) {
            throw new CertificateException("the certificate of " + id + " may not sign (no digitalSignature usage)");
        }
        final List<String> extendedKeyUsage = leaf.getExtendedKeyUsage();
        if (extendedKeyUsage != null && !extendedKeyUsage.contains(role.extendedKeyUsage)) {
            throw new CertificateException("the certificate of " + id + " may not be used as a " + role.description);
        }
        if (leaf.getBasicConstraints() >= 0) {
            throw new CertificateException("the peer " + id + " presented a CA certificate as its own");
        }
    }

    private SpiffeVerifier() {}
}
