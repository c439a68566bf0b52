package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;

/** How long ago one live instance last renewed its TTL (heartbeat or registration), against that TTL. */
public record HeartbeatAge(ServiceName service, InstanceId id, Duration age, Duration ttl) {

    public HeartbeatAge {
        requireNonNull(service, "service");
        requireNonNull(id, "id");
        requireNonNull(age, "age");
        requireNonNull(ttl, "ttl");
    }
}
