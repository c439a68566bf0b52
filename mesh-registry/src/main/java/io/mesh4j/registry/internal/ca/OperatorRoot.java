package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

import io.mesh4j.core.internal.identity.Pem;

/**
 * A root certificate and key an operator brings, instead of letting the registry make its own.
 */
public record OperatorRoot(X509Certificate certificate, PrivateKey key) {

    public OperatorRoot {
        requireNonNull(certificate, "certificate");
        requireNonNull(key, "key");
    }

    /**
     * Reads and checks the operator's files: a CA certificate, and the private key that matches it.
     *
     * @throws CaException saying what is wrong with them
     */
    public static OperatorRoot read(Path certificateFile, Path keyFile) throws IOException {
        return read(certificateFile, keyFile, "--ca-cert", "--ca-key");
    }

    /** As {@link #read(Path, Path)}, the files named in messages by the flags that gave them. */
    public static OperatorRoot read(Path certificateFile, Path keyFile, String certFlag, String keyFlag)
            throws IOException {
        final X509Certificate certificate;
        final PrivateKey key;
        try {
            certificate = Pem.readCertificates(Files.readString(certificateFile, StandardCharsets.US_ASCII))
                    .get(0);
            key = Pem.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new CaException(
                    certFlag + " " + certificateFile + " / " + keyFlag + " " + keyFile + ": " + e.getMessage());
        }
        if (certificate.getBasicConstraints() < 0) {
            throw new CaException(certFlag + " " + certificateFile + " is not a CA certificate (its basic constraints "
                    + "do not say CA:true)");
        }
        if (!matches(certificate, key)) {
            throw new CaException(keyFlag + " " + keyFile + " is not the key of " + certFlag + " " + certificateFile);
        }
        return new OperatorRoot(certificate, key);
    }

    static boolean matches(X509Certificate certificate, PrivateKey key) {
        try {
            final String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
            final byte[] probe = "mesh4j".getBytes(StandardCharsets.US_ASCII);
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signer.sign());
        } catch (Exception e) {
            return false;
        }
    }
}
