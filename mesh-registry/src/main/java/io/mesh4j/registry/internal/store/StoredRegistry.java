package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

import io.mesh4j.core.discovery.ServiceName;

/**
 * What a store holds when the registry starts: the global index of the last change and every service that ever
 * had an instance, with its own index (services now empty included). Immutable.
 */
public record StoredRegistry(long index, SortedMap<ServiceName, ServiceState> services) {

    public static final StoredRegistry EMPTY = new StoredRegistry(0, new TreeMap<>());

    public StoredRegistry {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        services = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(services, "services")));
    }

    /** How many instances all services hold together. */
    public int instanceCount() {
        return services.values().stream().mapToInt(s -> s.instances().size()).sum();
    }
}
