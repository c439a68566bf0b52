package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.ServiceState;
import io.mesh4j.registry.internal.store.SharedInstanceStore;
import io.mesh4j.registry.internal.store.StoredRegistry;

/**
 * What a replica over a shared store hears from it: every change, its own and other replicas', applied to the
 * published state in the store's order, waking the watches. A replica's own write is answered once its change has
 * come through here, so that a read after the answer, on the same replica, sees it. When the store lost the changes
 * since the last one heard (etcd compacted them), it reads everything again, and this replaces every service at once.
 */
final class SharedFeed implements SharedInstanceStore.Feed {

    private final ServiceEntries entries;
    private long applied;
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();

    SharedFeed(ServiceEntries entries, long loadedIndex) {
        this.entries = entries;
        applied = loadedIndex;
    }

    /** Called by the store, on one thread, in index order. */
    @Override
    public void changes(List<Change> changes) {
        final Map<ServiceName, SortedMap<InstanceId, Registration>> working = new HashMap<>();
        final Map<ServiceName, Long> indexes = new HashMap<>();
        long last = 0;
        for (Change change : changes) {
            final SortedMap<InstanceId, Registration> instances = working.computeIfAbsent(
                    change.service(), name -> new TreeMap<>(entries.state(name).instances()));
            if (change instanceof Change.Put put) {
                instances.put(put.id(), put.registration());
            } else {
                instances.remove(change.id());
            }
            indexes.merge(change.service(), change.index(), Math::max);
            last = Math.max(last, change.index());
        }
        final List<HeldChange> woken = new ArrayList<>();
        working.forEach((service, instances) ->
                woken.addAll(entries.publish(service, new ServiceState(indexes.getOrDefault(service, 0L), instances))));
        answer(last, woken);
    }

    /**
     * Replaces every service by what the store holds at {@code stored.index()}, after the changes in between were
     * lost (etcd compacted them). A service that is the same keeps its index and wakes nobody. One that changed
     * takes the reload's index, the revision its new state was read at: the revision of its last change (a removal,
     * say) is gone with the history, and this one is past every index the replica served before and before every
     * later change. Its history gains one change, from what watchers held to what is there now, so a watcher at the
     * old index is answered what changed; a watcher with any index in between (from another replica) gets the full
     * list, as for any index the history does not know.
     */
    @Override
    public void reloaded(StoredRegistry stored) {
        final Set<ServiceName> names = new TreeSet<>(entries.names());
        names.addAll(stored.services().keySet());
        final List<HeldChange> woken = new ArrayList<>();
        for (ServiceName service : names) {
            final ServiceState before = entries.state(service);
            final ServiceState now = stored.services().getOrDefault(service, ServiceState.UNKNOWN);
            if (!now.instances().equals(before.instances())) {
                final long index = Math.max(stored.index(), before.index() + 1);
                woken.addAll(entries.publish(service, new ServiceState(index, now.instances())));
            }
        }
        answer(stored.index(), woken);
    }

    /** Answers the writes this replica waits to hear up to {@code last}, then wakes the watches. */
    private void answer(long last, List<HeldChange> woken) {
        final List<CompletableFuture<Void>> written = new ArrayList<>();
        synchronized (this) {
            applied = Math.max(applied, last);
            final Map<Long, List<CompletableFuture<Void>>> due = waiting.headMap(applied, true);
            due.values().forEach(written::addAll);
            due.clear();
        }
        // The writers first: a change's answer does not wait for its watchers, however many.
        written.forEach(future -> future.complete(null));
        HeldChange.wake(woken);
    }

    /** Completes once the change of {@code index} has been applied here. */
    synchronized CompletableFuture<Void> awaitApplied(long index) {
        if (index <= applied) {
            return CompletableFuture.completedFuture(null);
        }
        final CompletableFuture<Void> future = new CompletableFuture<>();
        waiting.computeIfAbsent(index, unused -> new ArrayList<>()).add(future);
        return future;
    }
}
