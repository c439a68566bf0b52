package io.mesh4j.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
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
 * @param quotas the mesh-wide quotas of the service, each naming a rule of {@code rules} or none; at most one per
 *     rule and caller
 */
public record RouteConfig(List<RouteRule> rules, Set<ServiceName> overrideCallers, List<QuotaSpec> quotas) {

    /** No rule and no override caller: every request follows the defaults. */
    public static final RouteConfig EMPTY = new RouteConfig(List.of(), Set.of(), List.of());

    /**
     * Copies the components.
     *
     * @param rules see {@link #rules()}
     * @param overrideCallers see {@link #overrideCallers()}
     * @param quotas see {@link #quotas()}
     * @throws NullPointerException if a component is {@code null} or holds a {@code null}
     * @throws IllegalArgumentException if two rules have the same name, or a quota names no rule of the config,
     *     shares its name with another, or limits the same rule and caller as another
     */
    public RouteConfig {
        rules = List.copyOf(requireNonNull(rules, "rules"));
        overrideCallers = Set.copyOf(requireNonNull(overrideCallers, "overrideCallers"));
        quotas = List.copyOf(requireNonNull(quotas, "quotas"));
        final Set<String> names = new HashSet<>();
        for (RouteRule rule : rules) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException(
                        "rule '" + rule.name() + "' appears twice (expected: unique " + "rule names)");
            }
        }
        checkQuotas(quotas, names);
    }

    /**
     * A config of these rules and override callers, with no quota.
     *
     * @param rules the rules, first match wins
     * @param overrideCallers see {@link #overrideCallers()}
     * @throws IllegalArgumentException if two rules have the same name
     */
    public RouteConfig(List<RouteRule> rules, Set<ServiceName> overrideCallers) {
        this(rules, overrideCallers, List.of());
    }

    /**
     * Two quotas on the same requests (same rule, same caller) would each claim to be the limit: refused, naming
     * both. A quota on a rule and another on every request may stand together; a request must pass both.
     */
    private static void checkQuotas(List<QuotaSpec> quotas, Set<String> ruleNames) {
        for (int i = 0; i < quotas.size(); i++) {
            final QuotaSpec quota = quotas.get(i);
            final String where = "quotas[" + i + "] ('" + quota.name() + "')";
            if (quota.rule() != null && !ruleNames.contains(quota.rule())) {
                throw new IllegalArgumentException(where + ".rule: no rule '" + quota.rule()
                        + "' in this config (expected: one of "
                        + ruleNames.stream().sorted().toList()
                        + ", or no rule for every request)");
            }
            for (int j = 0; j < i; j++) {
                final QuotaSpec other = quotas.get(j);
                if (other.name().equals(quota.name())) {
                    throw new IllegalArgumentException(
                            where + ".name: quotas[" + j + "] has the same name (expected: unique quota names)");
                }
                if (Objects.equals(other.rule(), quota.rule()) && Objects.equals(other.caller(), quota.caller())) {
                    throw new IllegalArgumentException(where + ".caller: conflicts with quotas[" + j + "] ('"
                            + other.name() + "'), which limits the same requests ("
                            + (quota.rule() == null ? "every rule" : "rule '" + quota.rule() + "'") + ", "
                            + (quota.caller() == null ? "every caller" : "caller " + quota.caller())
                            + ") (expected: one quota per rule and caller)");
                }
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
