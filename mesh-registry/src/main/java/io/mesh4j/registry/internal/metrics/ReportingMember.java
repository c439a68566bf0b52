package io.mesh4j.registry.internal.metrics;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What the registry last heard from one member (one reporter, a process) of a service.
 *
 * @param certificateExpiresAt when the member's workload certificate expires, as it last said
 */
public record ReportingMember(
        String service,
        String reporter,
        Instant lastReport,
        @Nullable Instant certificateExpiresAt) {}
