package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.internal.registry.InstancesSnapshot;

/**
 * One service as of its last change: the index of that change and its instances sorted by id. Immutable.
 *
 * <p>A service whose last instance left keeps its index, so that a watcher holding that index waits for the next
 * change instead of being answered again and again.
 */
public record ServiceState(long index, SortedMap<InstanceId, Registration> instances) {

    /** A service nobody has registered yet: index 0 and no instances. */
    public static final ServiceState UNKNOWN = new ServiceState(0, new TreeMap<>());

    public ServiceState {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        instances = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(instances, "instances")));
    }

    /** The watch answer for this state: the index and the instances, sorted by id. */
    public InstancesSnapshot toSnapshot() {
        final List<Instance> list = new ArrayList<>(instances.size());
        instances.forEach((id, registration) -> list.add(registration.toInstance(id)));
        return new InstancesSnapshot(index, list);
    }
}
