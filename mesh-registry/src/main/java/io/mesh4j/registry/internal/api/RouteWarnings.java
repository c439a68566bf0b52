package io.mesh4j.registry.internal.api;

import java.util.ArrayList;
import java.util.List;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;

/**
 * What is worth telling the operator about a route config the registry accepts: a subset that no instance of the
 * service matches now. It is accepted (a canary may not be deployed yet), and its share of requests gets 503
 * unless the rule names a fallback.
 */
public final class RouteWarnings {

    public static List<String> of(String service, RouteConfig config, List<Instance> instances) {
        final List<String> warnings = new ArrayList<>();
        for (RouteRule rule : config.rules()) {
            for (WeightedSubset entry : rule.split()) {
                if (entry.weight() > 0 && !hasInstance(entry.subset(), instances)) {
                    warnings.add("rule '" + rule.name() + "': subset " + entry.subset() + " matches no instance of "
                            + service + " now; its " + entry.weight() + "% of requests "
                            + (rule.fallback() != null
                                    ? "go to the fallback " + rule.fallback()
                                    : "get 503 until one registers"));
                }
            }
        }
        return warnings;
    }

    private static boolean hasInstance(Subset subset, List<Instance> instances) {
        return instances.stream().anyMatch(instance -> subset.contains(instance.metadata()));
    }

    private RouteWarnings() {}
}
