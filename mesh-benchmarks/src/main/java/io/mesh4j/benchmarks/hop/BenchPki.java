package io.mesh4j.benchmarks.hop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

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
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.mesh4j.core.internal.identity.KeyPairs;
import io.mesh4j.core.internal.identity.Pem;

/**
 * The certificates of the paths that are not the mesh's: raw Armeria over TLS and the two HAProxy sidecars. Keys
 * are ECDSA P-256, as the mesh's own, so that every TLS path does the same cryptography and the comparison
 * prices what is around it.
 */
public final class BenchPki {

    /** The name the server's certificate is for, which the client sidecar verifies. */
    static final String SERVER_NAME = "echo.bench.local";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the files are: PEM certificates and PKCS#8 keys, and the two joined for HAProxy. */
    public record Issued(
            Path ca,
            Path serverCert,
            Path serverKey,
            Path serverPem,
            Path clientCert,
            Path clientKey,
            Path clientPem) {}

    /** Makes a CA, a server leaf and a client leaf, and writes them into {@code dir}. */
    public static Issued write(Path dir) {
        final Instant now = Instant.now();
        final KeyPair caKey = KeyPairs.newP256();
        final X500Name caName = new X500Name("O=mesh4j benchmarks, CN=bench CA");
        final X509Certificate ca = sign(
                new JcaX509v3CertificateBuilder(
                        caName,
                        serial(),
                        Date.from(now.minusSeconds(60)),
                        Date.from(now.plus(Duration.ofDays(7))),
                        caName,
                        caKey.getPublic()),
                true,
                caKey.getPrivate());
        final KeyPair serverKey = KeyPairs.newP256();
        final X509Certificate server = leaf(ca, caKey.getPrivate(), serverKey, "echo", now);
        final KeyPair clientKey = KeyPairs.newP256();
        final X509Certificate client = leaf(ca, caKey.getPrivate(), clientKey, "loadgen", now);
        final Issued files = new Issued(
                dir.resolve("ca.pem"),
                dir.resolve("server.crt"),
                dir.resolve("server.key"),
                dir.resolve("server.pem"),
                dir.resolve("client.crt"),
                dir.resolve("client.key"),
                dir.resolve("client.pem"));
        write(files.ca(), Pem.write(ca));
        write(files.serverCert(), Pem.write(server));
        write(files.serverKey(), Pem.write(serverKey.getPrivate()));
        write(files.serverPem(), Pem.write(server, serverKey.getPrivate()));
        write(files.clientCert(), Pem.write(client));
        write(files.clientKey(), Pem.write(clientKey.getPrivate()));
        write(files.clientPem(), Pem.write(client, clientKey.getPrivate()));
        return files;
    }

    private static X509Certificate leaf(X509Certificate ca, PrivateKey caKey, KeyPair key, String name, Instant now) {
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                ca,
                serial(),
                Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("O=mesh4j benchmarks, CN=" + name),
                key.getPublic());
        try {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                    }))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, SERVER_NAME),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")
                    }));
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot build the certificate of " + name, e);
        }
        return sign(builder, false, caKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, boolean ca, PrivateKey issuerKey) {
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
                    .addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(
                                    ca ? KeyUsage.keyCertSign | KeyUsage.digitalSignature : KeyUsage.digitalSignature));
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (CertIOException | OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign a benchmark certificate", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static void write(Path file, String pem) {
        try {
            Files.writeString(file, pem);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private BenchPki() {}
}
