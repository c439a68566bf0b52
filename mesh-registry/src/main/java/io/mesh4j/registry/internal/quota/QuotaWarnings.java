package io.mesh4j.registry.internal.quota;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.ServiceSummary;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;

/**
 * What is worth telling the operator about the quotas of a route config the registry accepts: a caller with no
 * instance registered now. It is accepted, not refused as unknown: a workload that only calls (a batch job, a load
 * generator) never registers an instance, and a caller may not be deployed yet; its name may also be mistyped, and
 * the warning lets the operator tell.
 */
public final class QuotaWarnings {

    public static List<String> of(RouteConfig config, List<ServiceSummary> services) {
        final Set<ServiceName> known = services.stream()
                .filter(s -> s.instances() > 0)
                .map(ServiceSummary::name)
                .collect(Collectors.toSet());
        final List<String> warnings = new ArrayList<>();
        for (QuotaSpec quota : config.quotas()) {
            if (quota.caller() != null && !known.contains(quota.caller())) {
                warnings.add("quota '" + quota.name() + "': caller " + quota.caller() + " has no instance registered "
                        + "now (fine for a workload that only calls; check the name if it serves); the quota applies "
                        + "once it calls");
            }
        }
        return warnings;
    }

    private QuotaWarnings() {}
}
