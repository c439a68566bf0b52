package io.mesh4j.registry.internal.store.etcd;

import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.key;
import static io.mesh4j.registry.internal.store.etcd.EtcdConnection.text;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryJson;
import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.HeartbeatAge;
import io.mesh4j.registry.internal.store.ServiceState;
import io.mesh4j.registry.internal.store.SharedInstanceStore;
import io.mesh4j.registry.internal.store.StoreUnavailableException;
import io.mesh4j.registry.internal.store.StoredRegistry;

/**
 * The instances in etcd, one key each, {@code mesh4j/instances/<service>/<id>}, holding the registration's JSON and
 * attached to an etcd lease of the registration's TTL.
 *
 * <p><b>Why etcd leases, not an elected expirer.</b> A heartbeat may reach any replica (a client fails over), so
 * the TTLs must live where every replica can renew them; with leases etcd itself removes an instance once, when
 * its lease runs out, and every replica's watch hears the removal, while a replica that dies takes no expiry
 * duty with it and no election is needed. The price is a round trip to etcd per heartbeat (a {@code
 * LeaseKeepAlive}), which etcd answers from its leader without a disk write; the replica's keep-alives share one
 * stream to the leader ({@link LeaseKeepAlives}).
 *
 * <p>The index of a change is etcd's revision; a service's index is the revision of its last change. Every
 * replica watches the prefix from the revision it loaded at and feeds its own memory, its own writes included;
 * one that lost track (etcd compacted past its watch) reads every instance again and replaces what it held.
 */
public final class EtcdInstances implements SharedInstanceStore {

    private static final String PREFIX = "instances/";

    private final EtcdConnection etcd;
    /** Each known instance's lease, from the feed: what a heartbeat on this replica renews. */
    private final Map<Name, Long> leases = new ConcurrentHashMap<>();

    private final PrefixFollower follower;
    /**
     * What a heartbeat sends: its lease's keep-alive, on one stream to the leader that all of this replica's
     * heartbeats share. */
    private final LeaseKeepAlives keepAlives;

    public EtcdInstances(EtcdConnection etcd) {
        this.etcd = requireNonNull(etcd, "etcd");
        follower = new PrefixFollower(etcd, PREFIX);
        keepAlives = new LeaseKeepAlives(etcd.endpoints(), EtcdConnection.WRITE_TIMEOUT.toNanos());
    }

    @Override
    public StoredRegistry follow(Feed feed) throws IOException {
        requireNonNull(feed, "feed");
        // Every later change, from the revision after the one read: none is missed and none is seen twice. A watch
        // that etcd compacted past reads everything again (PrefixFollower), and the feed replaces what it held.
        return load(follower.start(new PrefixFollower.Handler() {
            @Override
            public void events(List<WatchEvent> events) {
                deliver(events, feed);
            }

            @Override
            public void reloaded(GetResponse all) {
                feed.reloaded(load(all));
            }
        }));
    }

    /** What a read of every instance holds, at its revision; the leases known are those it names. */
    private StoredRegistry load(GetResponse all) {
        final long revision = all.getHeader().getRevision();
        final Map<ServiceName, SortedMap<InstanceId, Registration>> instances = new HashMap<>();
        final Map<ServiceName, Long> indexes = new HashMap<>();
        final Map<Name, Long> read = new HashMap<>();
        for (KeyValue kv : all.getKvs()) {
            final @Nullable Name name = Name.of(kv.getKey());
            if (name == null) {
                continue;
            }
            instances
                    .computeIfAbsent(name.service(), unused -> new TreeMap<>())
                    .put(name.id(), RegistryJson.parseRegistration(kv.getValue().getBytes()));
            indexes.merge(name.service(), kv.getModRevision(), Math::max);
            read.put(name, kv.getLease());
        }
        leases.keySet().retainAll(read.keySet());
        leases.putAll(read);
        final SortedMap<ServiceName, ServiceState> services = new TreeMap<>();
        instances.forEach(
                (service, list) -> services.put(service, new ServiceState(indexes.getOrDefault(service, 0L), list)));
        return new StoredRegistry(revision, services);
    }

    private void deliver(List<WatchEvent> events, Feed feed) {
        final List<Change> changes = new ArrayList<>(events.size());
        for (WatchEvent event : events) {
            final KeyValue kv = event.getKeyValue();
            final @Nullable Name name = Name.of(kv.getKey());
            if (name == null) {
                continue;
            }
            if (event.getEventType() == WatchEvent.EventType.PUT) {
                leases.put(name, kv.getLease());
                changes.add(new Change.Put(
                        kv.getModRevision(),
                        name.service(),
                        name.id(),
                        RegistryJson.parseRegistration(kv.getValue().getBytes())));
            } else if (event.getEventType() == WatchEvent.EventType.DELETE) {
                leases.remove(name);
                // Deregistered on some replica, or expired in etcd: the event does not say which.
                changes.add(new Change.Remove(kv.getModRevision(), name.service(), name.id(), Change.Reason.EXPIRED));
            }
        }
        if (!changes.isEmpty()) {
            feed.changes(changes);
        }
    }

    @Override
    public CompletableFuture<Long> put(ServiceName service, InstanceId id, Registration registration) {
        etcd.checkReachable();
        final Name name = new Name(service, id);
        final @Nullable Long previous = leases.get(name);
        final long ttlSeconds = Math.max(1, (registration.ttl().toMillis() + 999) / 1000);
        final CompletableFuture<Long> written = etcd.client()
                .getLeaseClient()
                .grant(ttlSeconds)
                .thenCompose(lease -> etcd.client()
                        .getKVClient()
                        .put(
                                key(name.key()),
                                ByteSequence.from(RegistryJson.writeRegistration(registration)),
                                PutOption.builder().withLeaseId(lease.getID()).build()))
                .thenApply(put -> put.getHeader().getRevision());
        return bounded(written).thenApply(revision -> {
            if (previous != null && previous != 0) {
                // Its key moved to the new lease: the old one holds nothing now, and need not wait out its TTL.
                etcd.client().getLeaseClient().revoke(previous).exceptionally(ignored -> null);
            }
            return revision;
        });
    }

    @Override
    public CompletableFuture<OptionalLong> remove(ServiceName service, InstanceId id) {
        etcd.checkReachable();
        final Name name = new Name(service, id);
        final @Nullable Long lease = leases.get(name);
        return bounded(etcd.client().getKVClient().delete(key(name.key()))).thenApply(deleted -> {
            if (deleted.getDeleted() == 0) {
                return OptionalLong.empty();
            }
            if (lease != null && lease != 0) {
                etcd.client().getLeaseClient().revoke(lease).exceptionally(ignored -> null);
            }
            return OptionalLong.of(deleted.getHeader().getRevision());
        });
    }

    @Override
    public CompletableFuture<Boolean> renew(ServiceName service, InstanceId id) {
        etcd.checkReachable();
        final @Nullable Long lease = leases.get(new Name(service, id));
        if (lease == null || lease == 0) {
            return CompletableFuture.completedFuture(false);
        }
        // Answered only once etcd has renewed the lease by a keep-alive sent after this heartbeat arrived: an
        // acknowledged heartbeat holds even if this replica dies right after (LeaseKeepAlives).
        return keepAlives.renew(lease).handle((alive, cause) -> {
            if (cause == null) {
                return alive;
            }
            throw etcd.unavailable(cause);
        });
    }

    /**
     * Asks etcd each instance's lease: its granted TTL less what remains of it is how long ago it was last renewed,
     * on whichever replica. One call per instance, all at once, for an operator's {@code meshctl check}; nothing is
     * written on a heartbeat to keep a time that etcd already keeps.
     */
    @Override
    public CompletableFuture<List<HeartbeatAge>> heartbeatAges() {
        etcd.checkReachable();
        final List<CompletableFuture<@Nullable HeartbeatAge>> asked = new ArrayList<>();
        leases.forEach((name, lease) -> {
            if (lease != 0) {
                asked.add(etcd.client()
                        .getLeaseClient()
                        .timeToLive(lease, LeaseOption.DEFAULT)
                        .thenApply(live -> live.getTTL() < 0
                                ? null // expired meanwhile: its removal is on its way
                                : new HeartbeatAge(
                                        name.service(),
                                        name.id(),
                                        Duration.ofSeconds(Math.max(0, live.getGrantedTTL() - live.getTTL())),
                                        Duration.ofSeconds(live.getGrantedTTL()))));
            }
        });
        return bounded(CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)))
                .thenApply(done -> {
                    final List<HeartbeatAge> ages = new ArrayList<>(asked.size());
                    for (CompletableFuture<@Nullable HeartbeatAge> age : asked) {
                        final @Nullable HeartbeatAge known = age.join();
                        if (known != null) {
                            ages.add(known);
                        }
                    }
                    return ages;
                });
    }

    @Override
    public boolean stale() {
        return etcd.stale();
    }

    private <T> CompletableFuture<T> bounded(CompletableFuture<T> call) {
        return call.orTimeout(EtcdConnection.WRITE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)
                .handle((value, cause) -> {
                    if (cause != null) {
                        final StoreUnavailableException unavailable = etcd.unavailable(cause);
                        throw new CompletionException(unavailable);
                    }
                    return value;
                });
    }

    @Override
    public void close() {
        follower.close();
        keepAlives.close();
    }

    @Override
    public String toString() {
        return "EtcdInstances(" + etcd + ')';
    }

    /** An instance's key, relative to {@code mesh4j/}: {@code instances/<service>/<id>}. */
    private record Name(ServiceName service, InstanceId id) {

        static String key(ServiceName service, InstanceId id) {
            return PREFIX + service.value() + '/' + id.value();
        }

        String key() {
            return key(service, id);
        }

        /** The instance a key names, or {@code null} for a key that is not one (written by something else). */
        static @Nullable Name of(ByteSequence key) {
            final String full = text(key);
            final String prefix = EtcdConnection.ROOT + PREFIX;
            if (!full.startsWith(prefix)) {
                return null;
            }
            final String rest = full.substring(prefix.length());
            final int slash = rest.indexOf('/');
            if (slash <= 0) {
                return null;
            }
            try {
                return new Name(ServiceName.of(rest.substring(0, slash)), InstanceId.of(rest.substring(slash + 1)));
            } catch (RuntimeException e) {
                return null; // not a name the registry writes
            }
        }
    }
}
