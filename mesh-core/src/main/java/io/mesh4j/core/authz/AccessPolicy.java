package io.mesh4j.core.authz;

import static java.util.Objects.requireNonNull;

import java.util.List;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;

/**
 * Which callers may call which routes of a service, as the registry holds it for the service.
 *
 * <p>Without a {@link #defaultPolicy() default}, the rules are the whole policy (as before defaults existed): a
 * request is allowed when a rule allows it and refused otherwise, whatever the annotations and the mesh-wide
 * default say; a policy without rules refuses everybody. With a default, the rules decide only the requests they
 * {@link #covers cover} (a rule whose routes and methods match, whoever it names); any other request goes to the
 * route's {@link AllowCallers}, then to this default. A service without a policy follows its annotations and then
 * the mesh-wide default ({@link DefaultPolicy}).
 *
 * <pre>{@code
 * AccessPolicy policy = new AccessPolicy(List.of(
 *         new AccessRule(Set.of("/orders/{id}"), Set.of(HttpMethod.GET), Set.of(ServiceName.of("frontend")))));
 * }</pre>
 *
 * @param rules the rules, any of which may allow a request; empty allows nothing
 * @param defaultPolicy what decides a request the rules do not cover and no annotation decides; {@code null} when the
 *     rules cover every request
 */
public record AccessPolicy(List<AccessRule> rules, @Nullable DefaultPolicy defaultPolicy) {

    /**
     * Copies the rules.
     *
     * @param rules see {@link #rules()}
     * @param defaultPolicy see {@link #defaultPolicy()}
     * @throws NullPointerException if {@code rules} is {@code null} or holds a {@code null}
     */
    public AccessPolicy {
        rules = List.copyOf(requireNonNull(rules, "rules"));
    }

    /**
     * A policy whose rules are the whole policy: a request no rule allows is refused.
     *
     * @param rules see {@link #rules()}
     * @throws NullPointerException if {@code rules} is {@code null} or holds a {@code null}
     */
    public AccessPolicy(List<AccessRule> rules) {
        this(rules, null);
    }

    /**
     * Returns whether a rule speaks of this request, whoever calls: its routes and methods match. Without a
     * {@link #defaultPolicy() default}, every request is covered.
     *
     * @param route the route's pattern in Armeria's form, such as {@code /orders/:id}
     * @param method the request's method
     * @return {@code true} if the rules decide the request
     */
    public boolean covers(String route, HttpMethod method) {
        if (defaultPolicy == null) {
            return true;
        }
        for (AccessRule rule : rules) {
            if (rule.covers(route, method)) {
                return true;
            }
        }
        return false;
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
