package io.mesh4j.registry.internal.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/**
 * A store shared by several registry replicas (etcd): unlike a {@link RegistryStore}, it gives the indexes and
 * keeps the TTLs, and every replica learns of every change, its own included, from the store's feed. A replica
 * answers a change only once its feed has brought it, so that a read on the replica that acknowledged a write
 * sees it.
 */
public interface SharedInstanceStore extends Closeable {

    /** What a replica hears from the store, one call at a time, in index order. */
    interface Feed {

        /**
         * The next changes. A {@link Change.Remove} may be a deregistration or an expiry: the store does not tell
         * them apart.
         */
        void changes(List<Change> changes);

        /**
         * Everything the store holds at {@code stored.index()}, read again because the changes since the last one
         * fed are lost (etcd compacted them): replaces what the replica holds, every service at once.
         */
        void reloaded(StoredRegistry stored);
    }

    /** Reads what the store holds and from then on tells {@code feed} of every later change, for good. */
    StoredRegistry follow(Feed feed) throws IOException;

    /**
     * Registers or updates an instance with a fresh TTL; completes with the index of the change.
     *
     * @throws StoreUnavailableException (in the future) if the store cannot be reached
     */
    CompletableFuture<Long> put(ServiceName service, InstanceId id, Registration registration);

    /** Removes an instance; completes with the index of the removal, or empty if the store had no such instance. */
    CompletableFuture<OptionalLong> remove(ServiceName service, InstanceId id);

    /** Renews the instance's TTL; completes with {@code false} if it expired or is unknown. */
    CompletableFuture<Boolean> renew(ServiceName service, InstanceId id);

    /**
     * How long ago each live instance last renewed its TTL, against that TTL, as the store keeps them; fails if
     * the store cannot be reached.
     */
    CompletableFuture<List<HeartbeatAge>> heartbeatAges();

    /** Whether this replica cannot reach the store now, so that what it serves may be behind. */
    boolean stale();
}
