package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mesh4j.core.internal.identity.Pem;

/**
 * The roots an operator gave a registry replica ahead of a rotation ({@code meshctl ca install}), in
 * {@code <data-dir>/ca/installed}: each as {@code <sha256>.crt} and {@code <sha256>.key} (owner-only), named by the
 * certificate's fingerprint, which is how replicas say in etcd which keys they hold.
 *
 * <p>A running replica looks at the directory once a second (its trust tick), not through a file-system watch: a
 * Kubernetes Secret volume swaps a symbolic link rather than writing a file, which inotify does not report, and a
 * directory of a few files costs nothing to list. Nothing needs a restart or a signal.
 */
public final class InstalledRoots {

    private static final Logger logger = LoggerFactory.getLogger(InstalledRoots.class);
    static final String DIR = "installed";

    private final Path dir;
    /** What was read, by fingerprint; a file that could not be used is remembered too, so as to warn once. */
    private final Map<String, @Nullable OperatorRoot> read = new HashMap<>();

    InstalledRoots(Path caDir) {
        this.dir = caDir.resolve(DIR);
    }

    /** The roots installed now, by fingerprint, with their keys. */
    synchronized Map<String, OperatorRoot> scan() {
        final Map<String, OperatorRoot> found = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
            for (Path crt : files) {
                final String name = crt.getFileName().toString();
                final String hex = name.substring(0, name.length() - ".crt".length());
                if (!read.containsKey(hex)) {
                    read.put(hex, readOne(crt, dir.resolve(hex + ".key")));
                }
                final @Nullable OperatorRoot root = read.get(hex);
                if (root != null) {
                    found.put(Fingerprints.sha256(root.certificate()), root);
                }
            }
        } catch (IOException e) {
            logger.warn("cannot list the installed roots in {}: {}", dir, e.toString());
        }
        return found;
    }

    /** Forgets and deletes (the key overwritten first) the installed copy of a root, once it is the CA's own. */
    synchronized void remove(X509Certificate certificate) throws IOException {
        final String hex = fileName(certificate);
        read.remove(hex);
        CertificateAuthority.destroy(dir.resolve(hex + ".key"));
        Files.deleteIfExists(dir.resolve(hex + ".crt"));
    }

    private static @Nullable OperatorRoot readOne(Path crt, Path keyFile) {
        try {
            if (!OwnerOnlyFiles.isOwnerOnly(keyFile)) {
                logger.warn("{} can be read by others than its owner: not used; run chmod 600 {}", keyFile, keyFile);
                return null;
            }
            final X509Certificate certificate = Pem.readCertificates(Files.readString(crt, StandardCharsets.US_ASCII))
                    .get(0);
            final PrivateKey key = Pem.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
            if (!OperatorRoot.matches(certificate, key)) {
                logger.warn("{} is not the key of {}: not used", keyFile, crt);
                return null;
            }
            logger.info(
                    "root {} (sha256 {}) is installed here: this replica can sign with it once the mesh rotates to it",
                    certificate.getSubjectX500Principal().getName(),
                    Fingerprints.sha256(certificate));
            return new OperatorRoot(certificate, key);
        } catch (IOException | RuntimeException e) {
            logger.warn("cannot read the installed root {}: {}", crt, e.toString());
            return null;
        }
    }

    /**
     * Installs {@code root} in the CA directory {@code caDir}: after {@link #check} it is written owner-only, where
     * a running replica finds it within a second.
     *
     * @return false if it was installed already (nothing written)
     */
    public static boolean install(Path caDir, OperatorRoot root) throws IOException {
        final Path dir = OwnerOnlyFiles.directory(caDir.resolve(DIR));
        final String hex = fileName(root.certificate());
        final Path crt = dir.resolve(hex + ".crt");
        if (Files.exists(crt) && Files.exists(dir.resolve(hex + ".key"))) {
            return false;
        }
        // The key first: a replica that lists the directory meanwhile looks for certificates, and finds none yet.
        OwnerOnlyFiles.write(dir.resolve(hex + ".key"), Pem.bytes(Pem.write(root.key())));
        OwnerOnlyFiles.write(crt, Pem.bytes(Pem.write(List.of(root.certificate()))));
        return true;
    }

    private static String fileName(X509Certificate certificate) {
        return Fingerprints.sha256(certificate).replace(":", "").toLowerCase(Locale.ROOT);
    }

    /**
     * Checks that {@code certificate} can be a root of {@code trustDomain}: a CA certificate, valid now, naming no
     * other trust domain (in a {@code spiffe://} URI name or a URI name constraint; a root that names none is taken as
     * the operator made it, as {@code --ca-cert} is).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void check(X509Certificate certificate, String trustDomain, Instant now) {
        requireNonNull(trustDomain, "trustDomain");
        final String subject = certificate.getSubjectX500Principal().getName();
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException(
                    subject + " is not a CA certificate (its basic constraints do not say CA:true)");
        }
        if (!now.isBefore(certificate.getNotAfter().toInstant())
                || now.plus(CertificateIssuer.BACKDATE)
                        .isBefore(certificate.getNotBefore().toInstant())) {
            throw new IllegalArgumentException(subject + " is not valid now (valid from " + certificate.getNotBefore()
                    + " to " + certificate.getNotAfter() + ')');
        }
        for (String named : trustDomainsNamed(certificate)) {
            if (!named.equals(trustDomain)) {
                throw new IllegalArgumentException(subject + " is a root of trust domain " + named + ", not of "
                        + trustDomain + "; make one with meshctl ca new-root --trust-domain " + trustDomain);
            }
        }
    }

    private static List<String> trustDomainsNamed(X509Certificate certificate) {
        final List<String> named = new java.util.ArrayList<>();
        try {
            if (certificate.getSubjectAlternativeNames() != null) {
                for (List<?> san : certificate.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(san.get(0))
                            && san.get(1) instanceof String uri
                            && uri.startsWith("spiffe://")) {
                        final String rest = uri.substring("spiffe://".length());
                        final int slash = rest.indexOf('/');
                        named.add(slash < 0 ? rest : rest.substring(0, slash));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("its subject alternative names do not parse: " + e.getMessage(), e);
        }
        final byte[] constraints = certificate.getExtensionValue(Extension.nameConstraints.getId());
        if (constraints != null) {
            final NameConstraints parsed = NameConstraints.getInstance(
                    ASN1OctetString.getInstance(constraints).getOctets());
            if (parsed.getPermittedSubtrees() != null) {
                for (GeneralSubtree subtree : parsed.getPermittedSubtrees()) {
                    if (subtree.getBase().getTagNo() == GeneralName.uniformResourceIdentifier) {
                        named.add(subtree.getBase().getName().toString());
                    }
                }
            }
        }
        return named;
    }
}
