package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.text;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.mesh4j.registry.internal.trust.KeyHolders;

/**
 * Which replicas hold which roots' keys, in etcd: {@code mesh4j/ca/holders/<replica>} holds the SHA-256 fingerprints
 * of the roots a replica holds a key for, bound to a lease of {@link #TTL_SECONDS} that the replica keeps alive from
 * its trust tick (every second). A replica that dies, or loses etcd, drops out within the lease by etcd's own doing.
 * Only fingerprints, never a key: the keys stay in each replica's data directory.
 */
public final class EtcdKeyHolders implements KeyHolders {

    private static final Logger logger = LoggerFactory.getLogger(EtcdKeyHolders.class);
    private static final String HOLDERS = "ca/holders/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a replica that stopped renewing still counts as live. */
    static final long TTL_SECONDS = 10;
    /** How often the lease is renewed: three chances before it ends. */
    private static final long RENEW_NANOS = 3_000_000_000L;

    private final EtcdConnection etcd;
    private final String self;
    // Guarded by this.
    private long lease;
    private @Nullable Set<String> written;
    private long renewedAt;
    private boolean closed;

    public EtcdKeyHolders(EtcdConnection etcd, String self) {
        this.etcd = requireNonNull(etcd, "etcd");
        if (self.isEmpty() || self.contains("/")) {
            throw new IllegalArgumentException("replica name: '" + self + "' (expected: host:port, without '/')");
        }
        this.self = self;
    }

    @Override
    public String self() {
        return self;
    }

    @Override
    public synchronized void hold(Set<String> fingerprints) {
        if (closed) {
            return;
        }
        final long now = System.nanoTime();
        if (lease != 0 && fingerprints.equals(written)) {
            if (now - renewedAt < RENEW_NANOS) {
                return;
            }
            final long ttl = etcd.await(etcd.client().getLeaseClient().keepAliveOnce(lease))
                    .getTTL();
            if (ttl > 0) {
                renewedAt = now;
                return;
            }
            logger.info("the lease of this replica's CA holders entry ended; writing it again");
        }
        final long granted =
                etcd.await(etcd.client().getLeaseClient().grant(TTL_SECONDS)).getID();
        etcd.await(etcd.client()
                .getKVClient()
                .put(
                        key(HOLDERS + self),
                        value(fingerprints),
                        PutOption.builder().withLeaseId(granted).build()));
        if (lease != 0) {
            etcd.client().getLeaseClient().revoke(lease).exceptionally(ignored -> null);
        }
        lease = granted;
        written = Set.copyOf(fingerprints);
        renewedAt = now;
    }

    @Override
    public Map<String, Set<String>> live() {
        etcd.checkReachable();
        final Map<String, Set<String>> live = new TreeMap<>();
        for (KeyValue kv : etcd.await(etcd.client()
                        .getKVClient()
                        .get(key(HOLDERS), GetOption.builder().isPrefix(true).build()))
                .getKvs()) {
            final String name = text(kv.getKey()).substring((EtcdConnection.ROOT + HOLDERS).length());
            final Set<String> fingerprints = new TreeSet<>();
            try {
                JSON.readTree(kv.getValue().getBytes()).path("sha256").forEach(node -> fingerprints.add(node.asText()));
            } catch (IOException e) {
                // not a value the registry writes: a replica that holds nothing it can say
            }
            live.put(name, fingerprints);
        }
        return live;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (lease != 0) {
            // Revoking the lease deletes the entry: this replica stops counting at once (else within the lease).
            try {
                etcd.await(etcd.client().getLeaseClient().revoke(lease), java.time.Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                logger.debug("cannot revoke the lease of this replica's CA holders entry: {}", e.toString());
            }
            lease = 0;
        }
    }

    private static ByteSequence value(Set<String> fingerprints) {
        final ObjectNode node = JSON.createObjectNode();
        fingerprints.forEach(node.putArray("sha256")::add);
        try {
            return ByteSequence.from(JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "EtcdKeyHolders(" + self + ')';
    }
}
