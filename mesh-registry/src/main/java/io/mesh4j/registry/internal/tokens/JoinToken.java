package io.mesh4j.registry.internal.tokens;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

import io.mesh4j.core.discovery.ServiceName;

/**
 * What the registry remembers of a join token: never the secret, only its SHA-256.
 *
 * @param usesLeft how many more certificates it may get; 0 when used up
 */
public record JoinToken(
        String id,
        ServiceName service,
        String secretHash,
        Instant createdAt,
        Instant expiresAt,
        int usesLeft,
        boolean revoked) {

    public JoinToken {
        requireNonNull(id, "id");
        requireNonNull(service, "service");
        requireNonNull(secretHash, "secretHash");
        requireNonNull(createdAt, "createdAt");
        requireNonNull(expiresAt, "expiresAt");
    }

    JoinToken used() {
        return new JoinToken(id, service, secretHash, createdAt, expiresAt, usesLeft - 1, revoked);
    }

    JoinToken revokedNow() {
        return new JoinToken(id, service, secretHash, createdAt, expiresAt, usesLeft, true);
    }
}
