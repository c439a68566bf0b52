package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.security.cert.X509Certificate;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One root of the mesh's schedule as registry replicas share it in etcd: the certificate and its times, never its
 * key. It is trusted until {@code retireAt} (forever when null), and signs from {@code signingFrom} until a newer
 * root's turn comes. Each replica signs with its own copy of the key, found by the certificate's fingerprint.
 */
public record ScheduledRoot(
        String name,
        X509Certificate certificate,
        Instant signingFrom,
        @Nullable Instant retireAt) {

    public ScheduledRoot {
        requireNonNull(name, "name");
        requireNonNull(certificate, "certificate");
        requireNonNull(signingFrom, "signingFrom");
    }

    /** The certificate's SHA-256 fingerprint, by which replicas say which keys they hold. */
    public String fingerprint() {
        return Fingerprints.sha256(certificate);
    }

    public boolean isTrustedAt(Instant now) {
        return (retireAt == null || now.isBefore(retireAt))
                && now.isBefore(certificate.getNotAfter().toInstant());
    }

    /** The root as an operator reads it in a message: its name, subject and fingerprint. */
    public String describe() {
        return name + " (" + certificate.getSubjectX500Principal().getName() + ", sha256 " + fingerprint() + ')';
    }
}
