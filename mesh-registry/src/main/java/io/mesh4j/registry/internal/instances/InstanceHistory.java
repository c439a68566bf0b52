package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.internal.registry.InstancesChanges;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * The last changes of one service, oldest first, each starting where the one before ended: what an incremental
 * watch is answered from. Immutable; each publish makes the next one, dropping the oldest change past
 * {@link #MAX_CHANGES}, so a watcher more than that many changes behind gets the full list instead.
 */
final class InstanceHistory {

    /** How many changes a service keeps: enough for a watcher that missed a burst, small beside its instances. */
    static final int MAX_CHANGES = 64;

    static final InstanceHistory EMPTY = new InstanceHistory(List.of());

    private final List<InstanceChange> changes;

    private InstanceHistory(List<InstanceChange> changes) {
        this.changes = changes;
    }

    /**
     * The history after the service went from {@code before} to {@code after}. A state that does not move the
     * index forward (a new history: a restarted registry's load) starts an empty one.
     */
    InstanceHistory next(ServiceState before, ServiceState after) {
        if (after.index() <= before.index()) {
            return EMPTY;
        }
        final List<InstanceChange> next = new ArrayList<>(Math.min(changes.size() + 1, MAX_CHANGES));
        final int skip = Math.max(0, changes.size() + 1 - MAX_CHANGES);
        next.addAll(changes.subList(skip, changes.size()));
        next.add(InstanceChange.between(before, after));
        return new InstanceHistory(List.copyOf(next));
    }

    /**
     * What changed from {@code since} to {@code index}, the service's index now, or {@code null} when this history
     * does not reach back to {@code since} (too old, or an index of another history).
     */
    @Nullable
    InstancesChanges since(long since, long index) {
        if (since == index) {
            return new InstancesChanges(index, since, false, List.of(), List.of());
        }
        int start = -1;
        for (int i = changes.size() - 1; i >= 0; i--) {
            if (changes.get(i).from() == since) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            return null;
        }
        final SortedMap<InstanceId, Registration> upserted = new TreeMap<>();
        final SortedSet<InstanceId> removed = new TreeSet<>();
        for (InstanceChange change : changes.subList(start, changes.size())) {
            change.removed().forEach(id -> {
                upserted.remove(id);
                removed.add(id);
            });
            change.upserted().forEach((id, registration) -> {
                removed.remove(id);
                upserted.put(id, registration);
            });
        }
        final List<Instance> instances = new ArrayList<>(upserted.size());
        upserted.forEach((id, registration) -> instances.add(registration.toInstance(id)));
        return new InstancesChanges(index, since, false, instances, new ArrayList<>(removed));
    }

    int size() {
        return changes.size();
    }
}
