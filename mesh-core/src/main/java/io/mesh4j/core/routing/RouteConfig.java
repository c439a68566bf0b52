package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;

/**
 * A service's route config: rules in order; a request follows the first rule that matches it, and a request
 * no rule matches follows the defaults.
 */
public record RouteConfig(List<RouteRule> rules) {

    public static final RouteConfig EMPTY = new RouteConfig(List.of());

    public RouteConfig {
        rules = List.copyOf(requireNonNull(rules, "rules"));
        final Set<String> names = new HashSet<>();
        for (RouteRule rule : rules) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException("rule '" + rule.name() + "' appears twice (expected: unique "
                                                   + "rule names)");
            }
        }
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
