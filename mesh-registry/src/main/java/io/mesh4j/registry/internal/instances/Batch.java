package io.mesh4j.registry.internal.instances;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.store.Change;
import io.mesh4j.registry.internal.store.ServiceState;

/**
 * The changes of one writer pass (one fsync), each decided against the committed state plus the changes before it
 * in the same pass, so that a register followed by a deregister of one instance in one batch behaves as it would
 * in two. Nothing here is visible to readers until the writer publishes it.
 */
final class Batch {

    private final ServiceEntries committed;
    private long index;
    private final Map<ServiceName, SortedMap<InstanceId, Registration>> working = new HashMap<>();
    private final Map<ServiceName, Long> indexes = new HashMap<>();
    private final Set<InstanceKey> touched = new HashSet<>();
    private final List<Change> changes = new ArrayList<>();
    private final List<Runnable> answers = new ArrayList<>();

    Batch(ServiceEntries committed, long lastIndex) {
        this.committed = committed;
        index = lastIndex;
    }

    @Nullable
    Registration current(InstanceKey key) {
        final @Nullable SortedMap<InstanceId, Registration> instances = working.get(key.service());
        return (instances != null ? instances : committed.state(key.service()).instances()).get(key.id());
    }

    long serviceIndex(ServiceName service) {
        final @Nullable Long changed = indexes.get(service);
        return changed != null ? changed : committed.state(service).index();
    }

    /** Whether an earlier command of this batch changed the instance. */
    boolean touched(InstanceKey key) {
        return touched.contains(key);
    }

    /** Registers or updates an instance under the next index, and returns it. */
    long put(InstanceKey key, Registration registration) {
        record(new Change.Put(index + 1, key.service(), key.id(), registration));
        workingCopy(key.service()).put(key.id(), registration);
        return index;
    }

    /** Removes an instance under the next index, and returns it. */
    long remove(InstanceKey key, Change.Reason reason) {
        record(new Change.Remove(index + 1, key.service(), key.id(), reason));
        workingCopy(key.service()).remove(key.id());
        return index;
    }

    /** Queues an answer to send once the batch is durable and published. */
    void answer(Runnable answer) {
        answers.add(answer);
    }

    List<Change> changes() {
        return changes;
    }

    long lastIndex() {
        return index;
    }

    /** The new state of every service this batch changed. */
    Map<ServiceName, ServiceState> changedServices() {
        final Map<ServiceName, ServiceState> states = new HashMap<>();
        working.forEach(
                (service, instances) -> states.put(service, new ServiceState(serviceIndex(service), instances)));
        return states;
    }

    void sendAnswers() {
        answers.forEach(Runnable::run);
    }

    private void record(Change change) {
        index = change.index();
        changes.add(change);
        indexes.put(change.service(), index);
        touched.add(new InstanceKey(change.service(), change.id()));
    }

    private SortedMap<InstanceId, Registration> workingCopy(ServiceName service) {
        return working.computeIfAbsent(
                service, name -> new TreeMap<>(committed.state(name).instances()));
    }
}
