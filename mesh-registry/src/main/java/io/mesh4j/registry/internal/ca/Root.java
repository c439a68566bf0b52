package io.mesh4j.registry.internal.ca;

import static java.util.Objects.requireNonNull;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One root of the CA and its place in a rotation: it is in the trust bundle until {@code retireAt} (forever
 * when null), and it signs from {@code signingFrom} until a newer root's turn comes.
 */
record Root(
        String name,
        X509Certificate certificate,
        PrivateKey key,
        Instant signingFrom,
        @Nullable Instant retireAt) {

    Root {
        requireNonNull(name, "name");
        requireNonNull(certificate, "certificate");
        requireNonNull(key, "key");
        requireNonNull(signingFrom, "signingFrom");
    }

    boolean isTrustedAt(Instant now) {
        return (retireAt == null || now.isBefore(retireAt))
                && now.isBefore(certificate.getNotAfter().toInstant());
    }

    Root retiringAt(Instant retireAt) {
        return new Root(name, certificate, key, signingFrom, retireAt);
    }
}
