package io.mesh4j.registry.internal.instances;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;

/**
 * The lease of every committed instance. Only the writer adds and removes leases; heartbeats and the expiry check
 * read them from other threads.
 */
final class Leases {

    private final Map<InstanceKey, Lease> leases = new ConcurrentHashMap<>();

    @Nullable
    Lease get(InstanceKey key) {
        return leases.get(key);
    }

    /** Starts a fresh lease for the key, ending the one it replaces. */
    void start(InstanceKey key, Duration ttl, long nowNanos) {
        final @Nullable Lease previous = leases.put(key, new Lease(ttl, nowNanos));
        if (previous != null) {
            previous.end();
        }
    }

    /** Removes the key's lease, returning it ended, or {@code null} if it had none. */
    @Nullable
    Lease remove(InstanceKey key) {
        final @Nullable Lease lease = leases.remove(key);
        if (lease != null) {
            lease.end();
        }
        return lease;
    }

    boolean anyDue(long nowNanos) {
        for (Lease lease : leases.values()) {
            if (lease.isDue(nowNanos)) {
                return true;
            }
        }
        return false;
    }

    void forEach(BiConsumer<InstanceKey, Lease> action) {
        leases.forEach(action);
    }
}
