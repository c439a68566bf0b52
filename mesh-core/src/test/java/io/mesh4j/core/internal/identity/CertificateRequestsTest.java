package io.mesh4j.core.internal.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;

/**
 * What a workload makes and reads with the JDK alone (its certificate request, its certificates' PEM) is what the
 * registry, which reads them with BouncyCastle, expects.
 */
class CertificateRequestsTest {

    private static final SpiffeId ORDERS = SpiffeId.ofService("mesh.local", ServiceName.of("orders"));

    @Test
    void aRequestMadeWithoutBouncyCastlePassesTheRegistrysCheckForItsKeyAndId() {
        final KeyPair key = KeyPairs.newP256();

        final CertificateRequests.CheckedRequest checked =
                CertificateRequests.check(CertificateRequests.create(key, ORDERS));

        assertThat(checked.requestedId()).isEqualTo(ORDERS);
        assertThat(checked.publicKey().getEncoded()).isEqualTo(key.getPublic().getEncoded());
    }

    @Test
    void bouncyCastleReadsTheRequestAsTheOneItMadeBefore() {
        final PKCS10CertificationRequest csr = Pem.readCsr(CertificateRequests.create(
                KeyPairs.newP256(), SpiffeId.ofService("mesh.local", ServiceName.of("a-b"))));

        assertThat(csr.getSubject()).isEqualTo(new X500Name("CN=/svc/a-b"));
        assertThat(csr.getSignatureAlgorithm().getAlgorithm().getId()).isEqualTo("1.2.840.10045.4.3.2");
        final Extensions extensions =
                Extensions.getInstance(csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
                        .getAttrValues()
                        .getObjectAt(0));
        assertThat(extensions.getExtensionOIDs()).containsExactly(Extension.subjectAlternativeName);
        assertThat(extensions.getExtension(Extension.subjectAlternativeName).isCritical())
                .isTrue();
    }

    @Test
    void certificatesWrittenAndReadWithTheJdkReadBackAsTheyWereInLinesOf64() throws Exception {
        final X509Certificate first = selfSigned("first");
        final X509Certificate second = selfSigned("second");

        final String pem = Pem.write(List.of(first, second));

        assertThat(Pem.readCertificates("some text before\n" + pem)).containsExactly(first, second);
        assertThat(pem.lines().filter(line -> !line.startsWith("-----"))).allMatch(line -> line.length() <= 64);
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
    }

    @Test
    void readingCertificatesRefusesAKeyCutShortOrNothingSayingWhat() throws Exception {
        final KeyPair key = KeyPairs.newP256();
        final String certificate = Pem.write(selfSigned("ok"));

        assertThatThrownBy(() -> Pem.readCertificates(certificate + Pem.write(key.getPrivate())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected only certificates, found -----BEGIN PRIVATE KEY-----");
        assertThatThrownBy(() -> Pem.readCertificates(certificate.substring(0, certificate.length() - 10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a PEM certificate: -----END CERTIFICATE----- not found");
        assertThatThrownBy(() -> Pem.readCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a PEM certificate: ");
        assertThatThrownBy(() -> Pem.readCertificates("nothing here"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no certificate in the PEM text");
    }

    @Test
    void aPrivateKeyWrittenWithTheJdkReadsBack() {
        final KeyPair key = KeyPairs.newP256();

        assertThat(Pem.readPrivateKey(Pem.write(key.getPrivate())).getEncoded())
                .isEqualTo(key.getPrivate().getEncoded());
    }

    private static X509Certificate selfSigned(String name) throws Exception {
        final KeyPair key = KeyPairs.newP256();
        final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final X500Name subject = new X500Name("CN=" + name);
        return new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                subject,
                                BigInteger.ONE,
                                Date.from(now),
                                Date.from(now.plus(1, ChronoUnit.HOURS)),
                                subject,
                                key.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }
}
