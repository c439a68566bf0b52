package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/**
 * One accepted change to the registry, under the global index it took. Heartbeats are not changes: they live in
 * memory only.
 */
public sealed interface Change permits Change.Put, Change.Remove {

    /** The global index this change took; every change takes the next one. */
    long index();

    ServiceName service();

    InstanceId id();

    /** An instance registered, or its registration changed. */
    record Put(long index, ServiceName service, InstanceId id, Registration registration) implements Change {
        public Put {
            checkIndex(index);
            requireNonNull(service, "service");
            requireNonNull(id, "id");
            requireNonNull(registration, "registration");
        }
    }

    /** An instance left: deregistered by itself, or expired for want of a heartbeat. */
    record Remove(long index, ServiceName service, InstanceId id, Reason reason) implements Change {
        public Remove {
            checkIndex(index);
            requireNonNull(service, "service");
            requireNonNull(id, "id");
            requireNonNull(reason, "reason");
        }
    }

    /** Why an instance was removed; kept in the log for whoever reads it after an incident. */
    enum Reason {
        DEREGISTERED,
        EXPIRED
    }

    private static void checkIndex(long index) {
        if (index <= 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: > 0)");
        }
    }
}
