package io.mesh4j.registry.internal.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;

/**
 * The roots the registry makes may certify URI names of their own trust domain only (issue 16): a certificate of
 * another trust domain signed with the mesh's key, as a thief of that key would make one, fails path validation.
 */
class RootNameConstraintsTest {

    private static final String NAME_CONSTRAINTS = "2.5.29.30";
    private static final ServiceName ORDERS = ServiceName.of("orders");

    @TempDir
    Path dataDir;

    @Test
    void aLeafOfTheTrustDomainValidatesAndOneOfAnotherTrustDomainSignedWithTheSameKeyDoesNot() throws Exception {
        final CertificateAuthority ca = open("mesh.local");
        final X509Certificate root = ca.trustBundle().get(0);
        assertThat(root.getCriticalExtensionOIDs()).contains(NAME_CONSTRAINTS);

        final KeyPair workload = KeyPairs.newP256();
        final X509Certificate own = ca.issueWorkload(workload.getPublic(), SpiffeId.ofService("mesh.local", ORDERS))
                .get(0);
        validate(own, root);

        // The CA itself signs no other trust domain; the key on disk would, for whoever read it.
        final X509Certificate foreign = CertificateIssuer.leaf(
                workload.getPublic(),
                SpiffeId.ofService("other.local", ORDERS),
                List.of(),
                true,
                root,
                rootKey("root-1"),
                Instant.now(),
                Duration.ofHours(1));
        assertThatThrownBy(() -> validate(foreign, root))
                .isInstanceOf(CertPathValidatorException.class)
                .satisfies(e ->
                        assertThat(((CertPathValidatorException) e).getReason()).isEqualTo(PKIXReason.INVALID_NAME));
        // A subdomain is another trust domain too: the constraint names one host, not a domain.
        final X509Certificate subdomain = CertificateIssuer.leaf(
                workload.getPublic(),
                SpiffeId.ofService("evil.mesh.local", ORDERS),
                List.of(),
                true,
                root,
                rootKey("root-1"),
                Instant.now(),
                Duration.ofHours(1));
        assertThatThrownBy(() -> validate(subdomain, root)).isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void theRegistrysOwnCertificateWithItsDnsNamesAndAddressesStillValidates() throws Exception {
        final CertificateAuthority ca = open("mesh.local");
        final X509Certificate registry = ca.issueRegistry(
                        KeyPairs.newP256().getPublic(),
                        List.of(
                                new GeneralName(GeneralName.dNSName, "localhost"),
                                new GeneralName(GeneralName.iPAddress, "127.0.0.1")))
                .get(0);

        validate(registry, ca.trustBundle().get(0));
    }

    @Test
    void aRotationMakesItsNewRootWithTheConstraintToo() throws Exception {
        final CertificateAuthority ca = open("mesh.local");
        ca.rotate();

        assertThat(ca.trustBundle())
                .hasSize(2)
                .allSatisfy(root -> assertThat(root.getCriticalExtensionOIDs()).contains(NAME_CONSTRAINTS));
    }

    @Test
    void aTrustDomainThatIsNoHostNameGetsARootWithoutTheConstraintThatVerifiersCouldNotRead() throws Exception {
        // SPIFFE allows '_' in a trust domain; no host name holds one, and the JDK would refuse the whole root.
        final CertificateAuthority ca = open("mesh_local");
        final X509Certificate root = ca.trustBundle().get(0);

        assertThat(root.getCriticalExtensionOIDs()).doesNotContain(NAME_CONSTRAINTS);
        assertThat(Pem.readCertificates(Files.readString(dataDir.resolve(CertificateAuthority.TRUST_BUNDLE))))
                .containsExactly(root);
    }

    private CertificateAuthority open(String trustDomain) throws Exception {
        return CertificateAuthority.open(
                dataDir.resolve("ca"), trustDomain, Duration.ofHours(1), Clock.systemUTC(), null);
    }

    private PrivateKey rootKey(String name) throws Exception {
        return Pem.readPrivateKey(Files.readString(dataDir.resolve("ca/" + name + ".key"), StandardCharsets.US_ASCII));
    }

    /**
     * Validates {@code leaf} with the JDK's PKIX validator, the root as trust anchor. The root is in the path as
     * well: the JDK applies no name constraints of a trust anchor (it refuses a {@link TrustAnchor} that carries
     * some, and starts its path with none), while Go, OpenSSL and BoringSSL apply a root's own. With the root as
     * the path's first certificate, the JDK applies its constraints to the leaf as they do.
     */
    private static void validate(X509Certificate leaf, X509Certificate root) throws Exception {
        final PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf, root)), params);
    }
}
