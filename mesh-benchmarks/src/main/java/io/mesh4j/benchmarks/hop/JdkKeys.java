package io.mesh4j.benchmarks.hop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

import com.linecorp.armeria.common.TlsKeyPair;

/**
 * Reads the raw TLS path's key and certificate with the JDK's own providers.
 *
 * <p>Why not {@code TlsKeyPair.of(keyFile, certFile)}: with BouncyCastle on the class path, as it is in every
 * mesh4j application, Netty reads PEM keys with it and hands Armeria a {@code BCECPrivateKey}, whose
 * {@code hashCode()} multiplies a curve point. Armeria's client hashes its TLS key pair into the connection pool's
 * key on every request, so that raw client would pay an EC multiplication per request (measured: about 0.4 ms of
 * CPU) and make the mesh look better than it is. A raw Armeria application without BouncyCastle reads its key
 * with the JDK, as here.
 */
public final class JdkKeys {

    public static TlsKeyPair keyPair(Path keyFile, Path certificateFile) {
        try {
            final String pem = Files.readString(keyFile);
            final String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            final PrivateKey key = KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            final X509Certificate certificate;
            try (InputStream in = Files.newInputStream(certificateFile)) {
                certificate = (X509Certificate)
                        CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            return TlsKeyPair.of(key, certificate);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + keyFile + " or " + certificateFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "not a PKCS#8 EC key and an X.509 certificate: " + keyFile + ", " + certificateFile, e);
        }
    }

    private JdkKeys() {}
}
