package io.mesh4j.core.internal.authz;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;

/**
 * Whether a caller may call a route of a service; first match wins: the rules of the policy the registry pushed for
 * the service, for a request they cover (a policy without a default covers every request); else the route's
 * {@link io.mesh4j.core.authz.AllowCallers} annotation; else the service's own default, else the mesh-wide default
 * (the {@link Fallback}, resolved once per push). The server's AUTHZ layer decides by it, and {@code meshctl explain}
 * predicts by it, so that the two cannot disagree.
 *
 * @param allowed whether the caller may call
 * @param source what decided
 * @param reason why it refused, in words that say what to change; empty when allowed
 */
public record AccessDecision(boolean allowed, Source source, String reason) {

    /** What decided a request. */
    public enum Source {
        /** A rule of the access policy the registry holds for the service. */
        REGISTRY_POLICY,
        /** The route's {@code @AllowCallers} annotation, in the service's code. */
        ANNOTATION,
        /** No rule and no annotation: the service's own default, else the mesh-wide one. */
        DEFAULT
    }

    /**
     * What decides a request that neither the pushed rules nor an annotation decides: allowed, or refused for
     * {@code reason}, which says which default refused and what to change.
     *
     * @param allows whether such a request is allowed
     * @param reason why it is refused; empty when it is allowed
     */
    public record Fallback(boolean allows, String reason) {

        /** Everything allowed. */
        public static final Fallback ALLOW = new Fallback(true, "");

        /**
         * The fallback of {@code service} under its pushed {@code policy} (null: none) and the mesh-wide default.
         *
         * @param service the service, named in the reason; null for "this service"
         * @param policy the service's access policy in the registry, null if none
         * @param meshDefault the registry's mesh-wide default
         * @return the fallback
         */
        public static Fallback of(
                @Nullable ServiceName service, @Nullable AccessPolicy policy, DefaultPolicy meshDefault) {
            final String name = service != null ? service.value() : "this service";
            if (policy != null && policy.defaultPolicy() != null) {
                return policy.defaultPolicy() == DefaultPolicy.ALLOW
                        ? ALLOW
                        : new Fallback(
                                false,
                                "refused by the service's default-deny: the access policy of " + name
                                        + " in the registry has the default deny, and none of its rules covers this "
                                        + "route and method and no @AllowCallers is on it; add a rule that allows "
                                        + "this caller (meshctl policies apply " + name + ")");
            }
            return requireNonNull(meshDefault, "meshDefault") == DefaultPolicy.ALLOW
                    ? ALLOW
                    : new Fallback(
                            false,
                            "refused by the mesh-wide default-deny: the registry's default policy is deny, and " + name
                                    + " has no access policy in the registry and no @AllowCallers on this route; "
                                    + "push one that allows this caller (meshctl policies apply " + name
                                    + "), or give " + name + " its own default");
        }
    }

    /**
     * Decides one request.
     *
     * @param fromRegistry the service's access policy pushed by the registry; null if none
     * @param fallback what decides what neither the rules nor an annotation decides
     * @param annotated the route's {@code @AllowCallers} as a policy; null if it has none
     * @param route the route's pattern in Armeria's form, such as {@code /orders/:id}
     * @param method the request's method
     * @param caller the calling service its certificate proved; null for a caller without a mesh identity
     * @return the decision
     */
    public static AccessDecision decide(
            @Nullable AccessPolicy fromRegistry,
            Fallback fallback,
            @Nullable AccessPolicy annotated,
            String route,
            HttpMethod method,
            @Nullable ServiceName caller) {
        if (fromRegistry != null && fromRegistry.covers(route, method)) {
            final boolean allowed = caller != null && fromRegistry.allows(route, method, caller);
            return new AccessDecision(
                    allowed,
                    Source.REGISTRY_POLICY,
                    allowed ? "" : "the policy pushed by the registry does not allow it");
        }
        if (annotated != null) {
            final boolean allowed = caller != null && annotated.allows(route, method, caller);
            return new AccessDecision(
                    allowed, Source.ANNOTATION, allowed ? "" : "the @AllowCallers annotation does not allow it");
        }
        return new AccessDecision(fallback.allows(), Source.DEFAULT, fallback.allows() ? "" : fallback.reason());
    }
}
