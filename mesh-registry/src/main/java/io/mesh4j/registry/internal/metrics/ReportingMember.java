package io.mesh4j.registry.internal.metrics;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.internal.registry.MetricsReportJson;

/**
 * What the registry last heard from one member (one reporter, a process) of a service.
 *
 * @param certificateExpiresAt when the member's workload certificate expires, as it last said
 * @param lastKnownGood the last-known-good state it runs from, as its last report said; {@code null} when it runs from
 *     the registry's answers, or is a member too old to say
 */
public record ReportingMember(
        String service,
        String reporter,
        Instant lastReport,
        @Nullable Instant certificateExpiresAt,
        MetricsReportJson.@Nullable LastKnownGoodState lastKnownGood) {}
