package io.mesh4j.registry.internal.ca;

import java.util.regex.Pattern;

import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * The name constraint of the roots the registry makes: they may certify URI names under
 * {@code spiffe://<trust domain>} only, so that a verifier that applies a root's constraints (Go, OpenSSL, BoringSSL)
 * accepts no certificate of another trust domain signed with the mesh's key, as SPIFFE's X509-SVID section 4.2
 * allows.
 *
 * <p>A URI constraint is matched by host (RFC 5280 section 4.2.1.10): a constraint without a leading period names
 * one host, so {@code mesh.local} admits {@code spiffe://mesh.local/svc/orders} and neither
 * {@code spiffe://other.local/...} nor {@code spiffe://evil.mesh.local/...}. Only URI names are constrained: the
 * registry's own certificate also carries the DNS names and addresses it is reached at, which no URI constraint
 * touches.
 */
final class TrustDomainConstraint {

    /**
     * Trust domains that are host names: dot-separated labels of letters, digits and '-', each starting with a
     * letter or digit. The JDK parses a URI constraint's host as such a name and refuses the whole certificate when
     * it cannot, and SPIFFE allows '_' in trust domains, which no host name holds.
     */
    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*");

    /** Whether a root of {@code trustDomain} can carry the constraint that every verifier can read. */
    static boolean applies(String trustDomain) {
        return HOST_NAME.matcher(trustDomain).matches();
    }

    /** Permits URI names whose host is exactly {@code trustDomain}; excludes nothing else. */
    static NameConstraints of(String trustDomain) {
        return new NameConstraints(
                new GeneralSubtree[] {
                    new GeneralSubtree(new GeneralName(GeneralName.uniformResourceIdentifier, trustDomain))
                },
                null);
    }

    private TrustDomainConstraint() {}
}
