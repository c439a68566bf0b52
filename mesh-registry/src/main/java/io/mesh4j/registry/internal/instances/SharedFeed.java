package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * What a replica over a shared store hears from it: every change, its own and other replicas', applied to the
 * published state in the store's order, waking the watches. A replica's own write is answered once its change has
 * come through here, so that a read after the answer, on the same replica, sees it.
 */
final class SharedFeed implements Consumer<List<Change>> {

    private final ServiceEntries entries;
    private long applied;
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();

    SharedFeed(ServiceEntries entries, long loadedIndex) {
        this.entries = entries;
        applied = loadedIndex;
    }

    /** Called by the store, on one thread, in index order. */
    @Override
    public void accept(List<Change> changes) {
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
        final List<CompletableFuture<Void>> woken = new ArrayList<>();
        working.forEach((service, instances) ->
                woken.addAll(entries.publish(service, new ServiceState(indexes.getOrDefault(service, 0L), instances))));
        final List<CompletableFuture<Void>> written = new ArrayList<>();
        synchronized (this) {
            applied = Math.max(applied, last);
            final Map<Long, List<CompletableFuture<Void>>> due = waiting.headMap(applied, true);
            due.values().forEach(written::addAll);
            due.clear();
        }
        // The writers first: a change's answer does not wait for its watchers, however many.
        written.forEach(future -> future.complete(null));
        woken.forEach(change -> change.complete(null));
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
