package io.mesh4j.server.internal.tcp;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.server.internal.authz.PushedPolicy;

/**
 * Decides whether a caller may open a connection to a TCP service, once, when it opens. A connection has no route
 * and no method, so the rules that speak of it are those that name neither ({@code {"allowCallers": ["api"]}}); a
 * rule with routes or methods speaks of HTTP requests and never allows a connection. First match wins, as for
 * requests: the pushed policy's route-less rules when it has any (a policy without a default decides every
 * connection by them); else the service's default, else the mesh-wide default, else, before the registry has
 * answered, the server's default until known. There are no annotations on a TCP backend.
 */
public final class TcpAuthorization {

    /** Allowed, or refused for {@code reason}. */
    public record Decision(boolean allowed, String reason) {}

    private final ServiceName service;
    private final PushedPolicy pushed;

    public TcpAuthorization(ServiceName service, PushedPolicy pushed) {
        this.service = requireNonNull(service, "service");
        this.pushed = requireNonNull(pushed, "pushed");
    }

    /**
     * @param caller the SPIFFE ID the caller's certificate proved; null when it has none of a service
     */
    public Decision decide(@Nullable SpiffeId caller) {
        final PushedPolicy.InForce inForce = pushed.current();
        final @Nullable AccessPolicy policy = inForce.policy();
        final @Nullable ServiceName callerService =
                caller != null ? caller.service().orElse(null) : null;
        final String who = caller != null ? caller.toString() : "a caller without a mesh identity";
        if (policy != null && (policy.defaultPolicy() == null || hasConnectionRules(policy))) {
            if (callerService != null && allows(policy, callerService)) {
                return new Decision(true, "");
            }
            return new Decision(
                    false,
                    who + " may not connect to " + service + " (no rule without routes of its access policy "
                            + "allows it; a TCP service is allowed by rules such as {\"allowCallers\": [\"caller\"]})");
        }
        if (inForce.fallback().allows()) {
            return new Decision(true, "");
        }
        return new Decision(
                false,
                who + " may not connect to " + service + " ("
                        + inForce.fallback().reason() + ")");
    }

    private static boolean hasConnectionRules(AccessPolicy policy) {
        return policy.rules().stream().anyMatch(TcpAuthorization::speaksOfConnections);
    }

    private static boolean allows(AccessPolicy policy, ServiceName caller) {
        return policy.rules().stream()
                .anyMatch(rule -> speaksOfConnections(rule) && rule.callers().contains(caller));
    }

    private static boolean speaksOfConnections(AccessRule rule) {
        return rule.routes().isEmpty() && rule.methods().isEmpty();
    }
}
