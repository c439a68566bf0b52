package io.mesh4j.registry.internal.store;

import java.util.SortedMap;
import java.util.TreeMap;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/**
 * A file store's own copy of what it holds, built from the snapshot and the log and kept up to date by each
 * append, so that compaction can write a snapshot at any moment without asking the registry. Not thread-safe:
 * the store is written by one thread.
 */
final class StoreContents {

    private long index;
    private final SortedMap<ServiceName, MutableService> services = new TreeMap<>();

    static StoreContents of(StoredRegistry stored) {
        final StoreContents contents = new StoreContents();
        contents.index = stored.index();
        stored.services().forEach((name, state) -> {
            final MutableService service = new MutableService();
            service.index = state.index();
            service.instances.putAll(state.instances());
            contents.services.put(name, service);
        });
        return contents;
    }

    long index() {
        return index;
    }

    /**
     * Applies one change.
     *
     * @throws IllegalArgumentException if its index is not past the last one applied
     */
    void apply(Change change) {
        if (change.index() <= index) {
            throw new IllegalArgumentException(
                    "index " + change.index() + " is not past the last stored index " + index);
        }
        final MutableService service = services.computeIfAbsent(change.service(), name -> new MutableService());
        if (change instanceof Change.Put put) {
            service.instances.put(put.id(), put.registration());
        } else {
            service.instances.remove(change.id());
        }
        service.index = change.index();
        index = change.index();
    }

    StoredRegistry freeze() {
        final SortedMap<ServiceName, ServiceState> frozen = new TreeMap<>();
        services.forEach((name, service) -> frozen.put(name, new ServiceState(service.index, service.instances)));
        return new StoredRegistry(index, frozen);
    }

    private static final class MutableService {
        long index;
        final SortedMap<InstanceId, Registration> instances = new TreeMap<>();
    }
}
