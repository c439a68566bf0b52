package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.mesh4j.core.discovery.Instance;

/**
 * The answer to a watch: a service's instances as of {@code index}. The next watch passes this index and
 * returns once the service has changed past it.
 */
public record InstancesSnapshot(long index, List<Instance> instances) {

    public InstancesSnapshot {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        instances = List.copyOf(requireNonNull(instances, "instances"));
    }
}
