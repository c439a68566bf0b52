package io.mesh4j.core.authz;

import static java.util.Objects.requireNonNull;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;

/**
 * One rule of an {@link AccessPolicy}: these callers may call these routes with these methods. Routes compare as
 * patterns, not paths: {@code /orders/{id}} is the route a server declared, and {@code /orders/{id}} and
 * {@code /orders/:id} are the same route.
 */
public final class AccessRule {

    private static final Pattern BRACED_PARAM = Pattern.compile("\\{([^}/]+)}");

    private final Set<String> routes;
    private final Set<String> matchableRoutes;
    private final Set<HttpMethod> methods;
    private final Set<ServiceName> callers;

    /**
     * @param routes  route patterns as the server declares them, such as {@code /orders/{id}} (or Armeria's
     *                {@code /orders/:id}); empty for every route
     * @param methods HTTP methods; empty for every method
     * @param callers the services whose workloads may call; at least one
     * @throws NullPointerException if an argument is {@code null} or holds a {@code null}
     * @throws IllegalArgumentException if {@code callers} is empty or a route does not start with {@code /}
     */
    public AccessRule(Set<String> routes, Set<HttpMethod> methods, Set<ServiceName> callers) {
        this.routes = Set.copyOf(requireNonNull(routes, "routes"));
        this.methods = Set.copyOf(requireNonNull(methods, "methods"));
        this.callers = Set.copyOf(requireNonNull(callers, "callers"));
        if (this.callers.isEmpty()) {
            throw new IllegalArgumentException("allowCallers: empty (expected: at least one service; a rule that "
                    + "allows nobody is the same as no rule)");
        }
        for (String route : this.routes) {
            if (!route.startsWith("/")) {
                throw new IllegalArgumentException("routes: '" + route + "' (expected: a path pattern as the "
                        + "server declares it, such as /orders/{id})");
            }
        }
        matchableRoutes = this.routes.stream().map(AccessRule::normalize).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Returns Armeria's form of a route pattern: {@code /orders/{id}} becomes {@code /orders/:id}.
     *
     * @param route a route pattern in either form
     * @return the pattern with every {@code {name}} written {@code :name}
     */
    public static String normalize(String route) {
        return BRACED_PARAM.matcher(route).replaceAll(":$1");
    }

    /**
     * Returns the route patterns as given.
     *
     * @return the patterns; empty for every route
     */
    public Set<String> routes() {
        return routes;
    }

    /**
     * Returns the methods allowed.
     *
     * @return the methods; empty for every method
     */
    public Set<HttpMethod> methods() {
        return methods;
    }

    /**
     * Returns the services whose workloads may call.
     *
     * @return the callers, never empty
     */
    public Set<ServiceName> callers() {
        return callers;
    }

    /**
     * @param route the route's pattern in Armeria's form, {@code /orders/:id}
     */
    boolean allows(String route, HttpMethod method, ServiceName caller) {
        return covers(route, method) && callers.contains(caller);
    }

    /**
     * @param route the route's pattern in Armeria's form, {@code /orders/:id}
     */
    boolean covers(String route, HttpMethod method) {
        return (matchableRoutes.isEmpty() || matchableRoutes.contains(route))
                && (methods.isEmpty() || methods.contains(method));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AccessRule)) {
            return false;
        }
        final AccessRule that = (AccessRule) o;
        return matchableRoutes.equals(that.matchableRoutes)
                && methods.equals(that.methods)
                && callers.equals(that.callers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(matchableRoutes, methods, callers);
    }

    @Override
    public String toString() {
        return "AccessRule(routes=" + routes + ", methods=" + methods + ", allowCallers=" + callers + ')';
    }
}
