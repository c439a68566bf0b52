package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.TrustState;
import io.mesh4j.registry.internal.trust.IssuedCertificates;

/**
 * The certificates every replica issued, in etcd, {@code mesh4j/issued/<serial>}: the certificate's SPIFFE ID and
 * expiry, never the certificate or its key. Each key is attached to an etcd lease that runs out when the certificate
 * expires, so that etcd forgets it once, whichever replica issued it, and the book stays as long as the certificates
 * in force. A revocation through any replica finds a certificate issued by any other.
 *
 * <p>Serials need no coordination across replicas: each is 127 random bits (CertificateIssuer), so two replicas
 * drawing the same one is as likely as guessing a key.
 */
public final class EtcdIssuedCertificates implements IssuedCertificates {

    private static final String PREFIX = "issued/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EtcdConnection etcd;
    private final Clock clock;

    public EtcdIssuedCertificates(EtcdConnection etcd, Clock clock) {
        this.etcd = requireNonNull(etcd, "etcd");
        this.clock = requireNonNull(clock, "clock");
    }

    /**
     * Writes the record, durable at etcd's quorum, before the certificate is handed out: a certificate etcd does not
     * know of could not be revoked by serial. While etcd does not answer, the certificate is not issued (503).
     */
    @Override
    public void add(X509Certificate leaf, SpiffeId id) throws IOException {
        etcd.checkReachable();
        final Instant notAfter = leaf.getNotAfter().toInstant();
        // One second more than the certificate lives, so that etcd never forgets a certificate still in force.
        final long ttlSeconds =
                Math.max(1, Duration.between(clock.instant(), notAfter).toSeconds() + 1);
        final byte[] value = JSON.writeValueAsBytes(
                JSON.createObjectNode().put("spiffeId", id.toString()).put("notAfter", notAfter.toString()));
        etcd.await(etcd.client()
                .getLeaseClient()
                .grant(ttlSeconds)
                .thenCompose(lease -> etcd.client()
                        .getKVClient()
                        .put(
                                key(PREFIX + TrustState.formatSerial(leaf.getSerialNumber())),
                                ByteSequence.from(value),
                                PutOption.builder().withLeaseId(lease.getID()).build())));
    }

    @Override
    public @Nullable Issued find(BigInteger serial) {
        final GetResponse found =
                etcd.await(etcd.client().getKVClient().get(key(PREFIX + TrustState.formatSerial(serial))));
        if (found.getKvs().isEmpty()) {
            return null;
        }
        final Issued issued = parse(serial, found.getKvs().get(0));
        return issued.notAfter().isAfter(clock.instant()) ? issued : null;
    }

    /** Reads every certificate in force: a revocation by SPIFFE ID is rare, and one range read answers it. */
    @Override
    public List<Issued> of(SpiffeId id) {
        final GetResponse all = etcd.await(etcd.client()
                .getKVClient()
                .get(key(PREFIX), GetOption.builder().isPrefix(true).build()));
        final Instant now = clock.instant();
        final String prefix = EtcdConnection.ROOT + PREFIX;
        final List<Issued> found = new ArrayList<>();
        for (KeyValue kv : all.getKvs()) {
            final BigInteger serial;
            try {
                serial = TrustState.parseSerial(EtcdConnection.text(kv.getKey()).substring(prefix.length()));
            } catch (RuntimeException e) {
                continue; // not a key of ours
            }
            final Issued issued = parse(serial, kv);
            if (issued.id().equals(id) && issued.notAfter().isAfter(now)) {
                found.add(issued);
            }
        }
        return found;
    }

    /** Nothing to do: etcd deletes each record when its lease runs out. */
    @Override
    public void prune() {}

    private static Issued parse(BigInteger serial, KeyValue kv) {
        try {
            final JsonNode node = JSON.readTree(kv.getValue().getBytes());
            return new Issued(
                    serial,
                    SpiffeId.parse(node.path("spiffeId").asText()),
                    Instant.parse(node.path("notAfter").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
