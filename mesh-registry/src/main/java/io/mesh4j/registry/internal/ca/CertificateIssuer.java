package io.mesh4j.registry.internal.ca;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.mesh4j.core.identity.SpiffeId;

/**
 * Builds the mesh's X.509 certificates with BouncyCastle: self-signed roots, and leaves that follow the SPIFFE
 * X509-SVID profile (the SPIFFE ID as URI SAN, not a CA, digital signature, TLS server and client).
 */
final class CertificateIssuer {

    /** Leaves start a little in the past, so that a peer whose clock runs behind accepts them at once. */
    static final Duration BACKDATE = Duration.ofSeconds(30);

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A root valid for {@code lifetime} that names its trust domain as its URI SAN, and that may sign only URI names
     * of that trust domain (see {@link TrustDomainConstraint}).
     */
    static X509Certificate root(KeyPair key, String trustDomain, String name, Instant now, Duration lifetime) {
        final X500Name subject = new X500Name("O=mesh4j, OU=" + trustDomain + ", CN=" + name);
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                serial(),
                Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(lifetime)),
                subject,
                key.getPublic());
        try {
            final JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key.getPublic()))
                    .addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(uri(SpiffeId.ofTrustDomain(trustDomain))));
            if (TrustDomainConstraint.applies(trustDomain)) {
                // RFC 5280 4.2.1.10: conforming CAs mark name constraints critical.
                builder.addExtension(Extension.nameConstraints, true, TrustDomainConstraint.of(trustDomain));
            }
        } catch (CertIOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build the root certificate", e);
        }
        return sign(builder, key.getPrivate());
    }

    /**
     * A leaf for {@code id} and {@code publicKey}, signed by {@code issuer}, valid for {@code lifetime} but never
     * past the issuer's own end.
     *
     * @param extraNames more subject alternative names (the registry's DNS names and addresses)
     * @param client whether the leaf may also authenticate TLS clients (workloads: yes; the registry: no)
     */
    static X509Certificate leaf(
            PublicKey publicKey,
            SpiffeId id,
            List<GeneralName> extraNames,
            boolean client,
            X509Certificate issuer,
            PrivateKey issuerKey,
            Instant now,
            Duration lifetime) {
        Instant notAfter = now.plus(lifetime);
        if (notAfter.isAfter(issuer.getNotAfter().toInstant())) {
            notAfter = issuer.getNotAfter().toInstant();
        }
        final String service =
                id.service().map(Object::toString).orElse(id.path().substring(1));
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuer,
                serial(),
                Date.from(now.minus(BACKDATE)),
                Date.from(notAfter),
                new X500Name("O=mesh4j, OU=" + id.trustDomain() + ", CN=" + service),
                publicKey);
        final List<GeneralName> names = new ArrayList<>();
        names.add(uri(id));
        names.addAll(extraNames);
        final KeyPurposeId[] purposes = client
                ? new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}
                : new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth};
        try {
            final JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuer))
                    .addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(names.toArray(GeneralName[]::new)));
        } catch (CertIOException | java.security.NoSuchAlgorithmException | CertificateException e) {
            throw new IllegalStateException("cannot build the certificate of " + id, e);
        }
        return sign(builder, issuerKey);
    }

    static GeneralName uri(SpiffeId id) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, id.toString());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        final String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign a certificate with the CA key", e);
        }
    }

    /** 127 random bits: unique without coordination, and positive as RFC 5280 wants. */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private CertificateIssuer() {}
}
