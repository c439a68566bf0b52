package io.mesh4j.core.authz;

import static java.util.Objects.requireNonNull;

import java.util.List;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;

/**
 * Which callers may call which routes of a service. A request is allowed when a rule allows it; a request that
 * no rule allows is refused. A service without a policy refuses nobody of its mesh; a policy without rules refuses
 * everybody.
 *
 * <pre>{@code
 * AccessPolicy policy = new AccessPolicy(List.of(
 *         new AccessRule(Set.of("/orders/{id}"), Set.of(HttpMethod.GET), Set.of(ServiceName.of("frontend")))));
 * }</pre>
 *
 * @param rules the rules, any of which may allow a request; empty allows nothing
 */
public record AccessPolicy(List<AccessRule> rules) {

    /**
     * Copies the rules.
     *
     * @param rules see {@link #rules()}
     * @throws NullPointerException if {@code rules} is {@code null} or holds a {@code null}
     */
    public AccessPolicy {
        rules = List.copyOf(requireNonNull(rules, "rules"));
    }

    /**
     * Returns whether a rule allows {@code caller} to call {@code route} with {@code method}.
     *
     * @param route the route's pattern in Armeria's form, such as {@code /orders/:id}
     * @param method the request's method
     * @param caller the calling service, as its certificate proved it
     * @return {@code true} if allowed
     */
    public boolean allows(String route, HttpMethod method, ServiceName caller) {
        for (AccessRule rule : rules) {
            if (rule.allows(route, method, caller)) {
                return true;
            }
        }
        return false;
    }
}
