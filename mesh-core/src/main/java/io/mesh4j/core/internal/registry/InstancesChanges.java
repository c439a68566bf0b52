package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;

/**
 * The answer to an incremental watch ({@code ?index=N&changes=true}): what changed in a service from index
 * {@code since} to {@code index}, instances added or changed ({@code upserted}) and the ids of those removed; or,
 * when {@code full}, the whole list in {@code upserted} (the registry's history did not reach back to the caller's
 * index, or the caller had none).
 */
public record InstancesChanges(
        long index, long since, boolean full, List<Instance> upserted, List<InstanceId> removed) {

    public InstancesChanges {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        upserted = List.copyOf(requireNonNull(upserted, "upserted"));
        removed = List.copyOf(requireNonNull(removed, "removed"));
        if (full && !removed.isEmpty()) {
            throw new IllegalArgumentException("removed: " + removed + " (expected: none in a full answer)");
        }
    }

    /** A full answer: every instance of the service at {@code snapshot}'s index. */
    public static InstancesChanges full(InstancesSnapshot snapshot) {
        return new InstancesChanges(snapshot.index(), -1, true, snapshot.instances(), List.of());
    }

    /**
     * The service's instances after these changes, applied to {@code current} (the instances at {@code since}):
     * sorted by id, as a full answer lists them. A full answer is its own list.
     */
    public InstancesSnapshot applyTo(List<Instance> current) {
        if (full) {
            return new InstancesSnapshot(index, sorted(upserted));
        }
        final Map<InstanceId, Instance> byId = new LinkedHashMap<>();
        current.forEach(instance -> byId.put(instance.id(), instance));
        final Set<InstanceId> gone = new HashSet<>(removed);
        byId.keySet().removeAll(gone);
        upserted.forEach(instance -> byId.put(instance.id(), instance));
        return new InstancesSnapshot(index, sorted(new ArrayList<>(byId.values())));
    }

    private static List<Instance> sorted(List<Instance> instances) {
        final List<Instance> list = new ArrayList<>(instances);
        list.sort(Comparator.comparing(Instance::id));
        return list;
    }
}
