package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One root of the CA and its place in a rotation: it is in the trust bundle until {@code retireAt} (forever
 * when null), and it signs from {@code signingFrom} until a newer root's turn comes. Its key is null only on a
 * registry replica that follows the mesh's shared schedule and was not given that root's key (yet).
 */
record Root(
        String name,
        X509Certificate certificate,
        @Nullable PrivateKey key,
        Instant signingFrom,
        @Nullable Instant retireAt) {

    Root {
        requireNonNull(name, "name");
        requireNonNull(certificate, "certificate");
        requireNonNull(signingFrom, "signingFrom");
    }

    boolean isTrustedAt(Instant now) {
        return (retireAt == null || now.isBefore(retireAt))
                && now.isBefore(certificate.getNotAfter().toInstant());
    }

    Root retiringAt(Instant retireAt) {
        return new Root(name, certificate, key, signingFrom, retireAt);
    }

    ScheduledRoot scheduled() {
        return new ScheduledRoot(name, certificate, signingFrom, retireAt);
    }
}
