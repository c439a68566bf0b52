package io.mesh4j.registry.internal.instances;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * One step of a service's history, from index {@code from} to index {@code to}: the instances registered or
 * changed, and those removed. Made by comparing the states on either side of a publish, so the file store and the
 * etcd store (whose replica publishes what its etcd watch brings) keep the same history, at the cost of one pass
 * over the two sorted instance maps.
 */
record InstanceChange(long from, long to, SortedMap<InstanceId, Registration> upserted, SortedSet<InstanceId> removed) {

    InstanceChange {
        upserted = Collections.unmodifiableSortedMap(upserted);
        removed = Collections.unmodifiableSortedSet(removed);
    }

    /** What it takes to go from {@code before} to {@code after}. */
    static InstanceChange between(ServiceState before, ServiceState after) {
        final SortedMap<InstanceId, Registration> upserted = new TreeMap<>();
        final SortedSet<InstanceId> removed = new TreeSet<>();
        for (Map.Entry<InstanceId, Registration> entry : after.instances().entrySet()) {
            if (!entry.getValue().equals(before.instances().get(entry.getKey()))) {
                upserted.put(entry.getKey(), entry.getValue());
            }
        }
        for (InstanceId id : before.instances().keySet()) {
            if (!after.instances().containsKey(id)) {
                removed.add(id);
            }
        }
        return new InstanceChange(before.index(), after.index(), upserted, removed);
    }
}
