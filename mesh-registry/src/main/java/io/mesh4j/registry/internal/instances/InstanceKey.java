package io.mesh4j.registry.internal.instances;

import static java.util.Objects.requireNonNull;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;

/** An instance's full name: ids are unique within a service only. */
record InstanceKey(ServiceName service, InstanceId id) {

    InstanceKey {
        requireNonNull(service, "service");
        requireNonNull(id, "id");
    }

    @Override
    public String toString() {
        return service + "/" + id;
    }
}
