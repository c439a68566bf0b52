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
 * <p><b>Lease slack.</b> Each instance's lease is granted for its TTL plus a slack (a share of the TTL, {@code
 * --lease-slack}), and a heartbeat is answered without a keep-alive when etcd's last answer to one of this
 * replica's keep-alives of that lease already holds the instance at least its TTL past the heartbeat. The
 * invariant is the one a heartbeat always had: <em>an acknowledged heartbeat holds the instance for at least its
 * TTL after it</em>, whatever becomes of this replica, since etcd already holds the lease that long. What the
 * slack moves is the other end: an instance that stops heartbeating is removed between its TTL and its TTL plus
 * the slack (rounded up to whole seconds) after its last heartbeat, plus etcd's own lateness, instead of at its
 * TTL; and a heartbeat racing a deregistration through another replica may be answered 200 (its next one is a
 * 404). Members heartbeat every third of their TTL, so at the default slack of half the TTL every other heartbeat
 * of a member is answered here, and etcd sees half the keep-alives.
 *
 * <p>The index of a change is etcd's revision; a service's index is the revision of its last change. Every
 * replica watches the prefix from the revision it loaded at and feeds its own memory, its own writes included;
 * one that lost track (etcd compacted past its watch) reads every instance again and replaces what it held.
 */
public final class EtcdInstances implements SharedInstanceStore {

    private static final String PREFIX = "instances/";

    /**
     * The lease slack unless set, in percent of an instance's TTL: with members heartbeating every third of their
     * TTL, half the TTL answers every other heartbeat without etcd, and a dead instance is removed at most half its
     * TTL late (7.5 s at the members' default TTL of 15 s).
     */
    public static final int DEFAULT_SLACK_PERCENT = 50;

    /** The most slack: a dead instance removed at most one TTL late. */
    public static final int MAX_SLACK_PERCENT = 100;

    private final EtcdConnection etcd;
    /** Each known instance's lease, from the feed: what a heartbeat on this replica renews. */
    private final Map<Name, Held> leases = new ConcurrentHashMap<>();

    /** The slack each lease is granted beyond its instance's TTL, in percent of the TTL (0: none). */
    private final int slackPercent;

    private final PrefixFollower follower;
    /**
     * What a heartbeat sends: its lease's keep-alive, on one stream to the leader that all of this replica's
     * heartbeats share. */
    private final LeaseKeepAlives keepAlives;

    /**
     * @param slackPercent the lease slack, in percent of each instance's TTL, 0 to 100: 0 grants each lease its
     *     TTL only and sends a keep-alive on every heartbeat
     */
    public EtcdInstances(EtcdConnection etcd, int slackPercent) {
        this.etcd = requireNonNull(etcd, "etcd");
        if (slackPercent < 0 || slackPercent > MAX_SLACK_PERCENT) {
            throw new IllegalArgumentException(
                    "lease slack: " + slackPercent + "% (expected: 0 to " + MAX_SLACK_PERCENT + "% of the TTL)");
        }
        this.slackPercent = slackPercent;
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
        final Map<Name, Held> read = new HashMap<>();
        for (KeyValue kv : all.getKvs()) {
            final @Nullable Name name = Name.of(kv.getKey());
            if (name == null) {
                continue;
            }
            final Registration registration =
                    RegistryJson.parseRegistration(kv.getValue().getBytes());
            instances.computeIfAbsent(name.service(), unused -> new TreeMap<>()).put(name.id(), registration);
            indexes.merge(name.service(), kv.getModRevision(), Math::max);
            final @Nullable Held known = leases.get(name);
            // The same lease as before keeps what this replica knows of its end.
            read.put(
                    name,
                    known != null && known.lease == kv.getLease() ? known : new Held(kv.getLease(), registration));
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
                final Registration registration =
                        RegistryJson.parseRegistration(kv.getValue().getBytes());
                leases.put(name, new Held(kv.getLease(), registration));
                changes.add(new Change.Put(kv.getModRevision(), name.service(), name.id(), registration));
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
        final @Nullable Held previous = leases.get(name);
        final long ttlSeconds = Math.max(1, (registration.ttl().toMillis() + 999) / 1000);
        // The slack rounded up: etcd's leases are whole seconds, and a heartbeat is answered from the slack only
        // when etcd's answer says the lease holds long enough, so more slack never weakens the promise.
        final long slackSeconds = (ttlSeconds * slackPercent + 99) / 100;
        final CompletableFuture<Long> written = etcd.client()
                .getLeaseClient()
                .grant(ttlSeconds + slackSeconds)
                .thenCompose(lease -> etcd.client()
                        .getKVClient()
                        .put(
                                key(name.key()),
                                ByteSequence.from(RegistryJson.writeRegistration(registration)),
                                PutOption.builder().withLeaseId(lease.getID()).build()))
                .thenApply(put -> put.getHeader().getRevision());
        return bounded(written).thenApply(revision -> {
            if (previous != null && previous.lease != 0) {
                // Its key moved to the new lease: the old one holds nothing now, and need not wait out its TTL.
                etcd.client().getLeaseClient().revoke(previous.lease).exceptionally(ignored -> null);
            }
            return revision;
        });
    }

    @Override
    public CompletableFuture<OptionalLong> remove(ServiceName service, InstanceId id) {
        etcd.checkReachable();
        final Name name = new Name(service, id);
        final @Nullable Held held = leases.get(name);
        return bounded(etcd.client().getKVClient().delete(key(name.key()))).thenApply(deleted -> {
            if (deleted.getDeleted() == 0) {
                return OptionalLong.empty();
            }
            if (held != null && held.lease != 0) {
                etcd.client().getLeaseClient().revoke(held.lease).exceptionally(ignored -> null);
            }
            return OptionalLong.of(deleted.getHeader().getRevision());
        });
    }

    /**
     * Renews the instance's lease so that etcd holds it for at least its TTL from now, even if this replica dies
     * right after the answer: at once, when etcd's last answer to a keep-alive of this replica already holds it that
     * long (the lease's slack), or else by a keep-alive sent after this call, answered only once etcd has renewed the
     * lease ({@link LeaseKeepAlives}).
     */
    @Override
    public CompletableFuture<Boolean> renew(ServiceName service, InstanceId id) {
        etcd.checkReachable();
        final @Nullable Held held = leases.get(new Name(service, id));
        if (held == null || held.lease == 0) {
            return CompletableFuture.completedFuture(false);
        }
        final long now = System.nanoTime();
        if (slackPercent > 0 && held.heldUntil - now >= held.ttlNanos) {
            return ALIVE; // etcd holds it past now + TTL already
        }
        return keepAlives.renew(held.lease).handle((ttlSeconds, cause) -> {
            if (cause != null) {
                throw etcd.unavailable(cause);
            }
            if (ttlSeconds <= 0) {
                return false;
            }
            // The keep-alive left after now, so etcd holds the lease until at least now plus the TTL it renewed.
            held.heldAtLeastUntil(now + TimeUnit.SECONDS.toNanos(ttlSeconds));
            return true;
        });
    }

    private static final CompletableFuture<Boolean> ALIVE = CompletableFuture.completedFuture(true);

    /**
     * Asks etcd each instance's lease: the instance's TTL less what remains of its lease is how long ago it was last
     * heartbeated, at least, on whichever replica (an acknowledged heartbeat holds it for its TTL; with slack, the
     * lease may hold longer, and the last keep-alive may be older than the last heartbeat). One call per instance,
     * all at once, for an operator's {@code meshctl check}; nothing is written on a heartbeat to keep a time that
     * etcd already keeps.
     */
    @Override
    public CompletableFuture<List<HeartbeatAge>> heartbeatAges() {
        etcd.checkReachable();
        final List<CompletableFuture<@Nullable HeartbeatAge>> asked = new ArrayList<>();
        leases.forEach((name, held) -> {
            if (held.lease != 0) {
                final long ttlSeconds = TimeUnit.NANOSECONDS.toSeconds(held.ttlNanos);
                asked.add(etcd.client()
                        .getLeaseClient()
                        .timeToLive(held.lease, LeaseOption.DEFAULT)
                        .thenApply(live -> live.getTTL() < 0
                                ? null // expired meanwhile: its removal is on its way
                                : new HeartbeatAge(
                                        name.service(),
                                        name.id(),
                                        Duration.ofSeconds(Math.max(0, ttlSeconds - live.getTTL())),
                                        Duration.ofSeconds(ttlSeconds))));
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

    /**
     * An instance's lease as this replica knows it: its id, the instance's TTL, and the earliest moment (by {@link
     * System#nanoTime()}) until which etcd is known to hold it, from etcd's answers to this replica's keep-alives.
     */
    private static final class Held {

        final long lease;
        final long ttlNanos;
        /** Nothing known beyond now at first: the first heartbeat here sends a keep-alive. */
        private volatile long heldUntil = System.nanoTime();

        Held(long lease, Registration registration) {
            this.lease = lease;
            this.ttlNanos =
                    Math.max(TimeUnit.SECONDS.toNanos(1), registration.ttl().toNanos());
        }

        /**
         * etcd holds the lease until at least {@code until}. Answers of one lease come in order on one stream, so a
         * lost race here (two answers at once, after a stream moved) only keeps the earlier end: a keep-alive more,
         * never a promise too many.
         */
        void heldAtLeastUntil(long until) {
            if (until - heldUntil > 0) {
                heldUntil = until;
            }
        }
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
