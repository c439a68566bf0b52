package io.mesh4j.registry.internal.ca;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/** How a root is named where its certificate is too long to show: its subject and its SHA-256 fingerprint. */
public final class Fingerprints {

    /**
     * The SHA-256 of the certificate's DER encoding, as {@code openssl x509 -noout -fingerprint -sha256} prints it
     * ({@code AB:12:...}).
     */
    public static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.ofDelimiter(":")
                    .withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(
                    "cannot take the fingerprint of " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** The roots as an operator reads them in a message: {@code [CN=... (sha256 ab12...), ...]}. */
    public static String describe(List<X509Certificate> roots) {
        return roots.stream()
                .map(root -> root.getSubjectX500Principal().getName() + " (sha256 " + sha256(root) + ")")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private Fingerprints() {}
}
