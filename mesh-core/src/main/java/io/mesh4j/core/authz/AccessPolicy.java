package io.mesh4j.core.authz;

import static java.util.Objects.requireNonNull;

import java.util.List;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;

/**
 * Which callers may call which routes of a service. A request is allowed when a rule allows it; a request that
 * no rule allows is refused. A service without a policy refuses nobody of its mesh.
 */
public record AccessPolicy(List<AccessRule> rules) {

    public AccessPolicy {
        rules = List.copyOf(requireNonNull(rules, "rules"));
    }

    /**
     * @param route the route's pattern in Armeria's form, such as {@code /orders/:id}
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
