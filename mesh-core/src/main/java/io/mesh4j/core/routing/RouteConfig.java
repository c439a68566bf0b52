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
 * no rule matches follows the defaults. The registry holds one per service ({@code GET /v1/routes/{service}});
 * clients of the service and the service itself follow it live.
 *
 * @param rules the rules, first match wins; rule names are unique
 * @param overrideCallers the services whose requests to this service may carry a {@link RouteOverride} that
 *                        this service honours and passes on; anyone else's is ignored (and counted)
 */
public record RouteConfig(List<RouteRule> rules, Set<ServiceName> overrideCallers) {

    /** No rule and no override caller: every request follows the defaults. */
    public static final RouteConfig EMPTY = new RouteConfig(List.of(), Set.of());

    /**
     * Copies the components.
     *
     * @param rules see {@link #rules()}
     * @param overrideCallers see {@link #overrideCallers()}
     * @throws NullPointerException if a component is {@code null} or holds a {@code null}
     * @throws IllegalArgumentException if two rules have the same name
     */
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

    /**
     * A config of these rules, with no override callers.
     *
     * @param rules the rules, first match wins
     * @throws IllegalArgumentException if two rules have the same name
     */
    public RouteConfig(List<RouteRule> rules) {
        this(rules, Set.of());
    }

    /**
     * Returns the first rule that matches the request.
     *
     * @param method the request's method
     * @param path the request's path, without the query
     * @param headers the request's headers
     * @return the rule, or empty when none matches and the defaults apply
     */
    public Optional<RouteRule> match(HttpMethod method, String path, HttpHeaders headers) {
        for (RouteRule rule : rules) {
            if (rule.match().matches(method, path, headers)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }
}
