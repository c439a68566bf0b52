package io.mesh4j.core.internal.registry;

import static java.util.Objects.requireNonNull;

import io.mesh4j.core.discovery.ServiceName;

/**
 * One line of {@code GET /v1/services}: a service and how many instances it has now.
 */
public record ServiceSummary(ServiceName name, int instances, long index) {

    public ServiceSummary {
        requireNonNull(name, "name");
    }
}
