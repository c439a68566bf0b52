package io.mesh4j.registry.internal.trust;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.identity.SpiffeId;

/**
 * The workload certificates the registry issued that have not expired, by serial: what a revocation by serial is
 * checked against (an unknown serial is refused rather than kept for nothing), and what tells whether an identity has
 * a certificate in force to revoke. One registry keeps them in its data directory ({@code issued.json}); replicas over
 * etcd keep them in etcd, so that a certificate issued by one replica can be revoked through another.
 */
public interface IssuedCertificates {

    /** One issued certificate. */
    record Issued(BigInteger serial, SpiffeId id, Instant notAfter) {}

    /** Records {@code leaf}, issued for {@code id}, durably, before it is handed out. */
    void add(X509Certificate leaf, SpiffeId id) throws IOException;

    /** The certificate of {@code serial}, if it was issued and has not expired. */
    @Nullable
    Issued find(BigInteger serial);

    /** The certificates of {@code id} that have not expired. */
    List<Issued> of(SpiffeId id);

    /** Forgets the expired certificates, for a book that does not forget them by itself. */
    void prune() throws IOException;
}
