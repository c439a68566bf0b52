package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A service's route config: rules in order; a request follows the first rule that matches it, and a request
 * no rule matches follows the defaults.
 *
 * @param overrideCallers the services whose requests to this service may carry a {@link RouteOverride} that
 *                        this service honours and passes on; anyone else's is ignored (and counted)
 */
public record RouteConfig(List<RouteRule> rules, Set<ServiceName> overrideCallers) {

    public static final RouteConfig EMPTY = new RouteConfig(List.of(), Set.of());

    public RouteConfig {
        rules = List.copyOf(requireNonNull(rules, "rules"));
        overrideCallers = Set.copyOf(requireNonNull(overrideCallers, "overrideCallers"));
        final Set<String> names = new HashSet<>();
        for (RouteRule rule : rules) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException(
                        "rule '" + rule.name() + "' appears twice (expected: unique " + "rule names)");
            }
        }
    }

    /** A config of these rules, with no override callers. */
    public RouteConfig(List<RouteRule> rules) {
        this(rules, Set.of());
    }

    public Optional<RouteRule> match(HttpMethod method, String path, HttpHeaders headers) {
        for (RouteRule rule : rules) {
            if (rule.match().matches(method, path, headers)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }
}
