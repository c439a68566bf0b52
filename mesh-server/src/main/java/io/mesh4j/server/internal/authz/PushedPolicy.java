package io.mesh4j.server.internal.authz;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.DefaultPolicy;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.authz.AccessDecision.Fallback;
import io.mesh4j.core.stack.StackParams;

/**
 * What the registry has pushed for this service: its access policy, if any, and the mesh-wide default, resolved
 * into what decides a request that no rule covers and no annotation decides ({@link Fallback}, decided as {@link io.mesh4j.core.internal.authz.AccessDecision} says). Resolved when a
 * push arrives, not per request; replaced atomically, so a request sees the old state or the new one.
 */
public final class PushedPolicy {

    /** The stack parameter through which the AUTHZ layer finds it; none pushed, every caller allowed, unless set. */
    public static final StackParams.Key<PushedPolicy> KEY = StackParams.Key.of("pushedPolicy", PushedPolicy::new);

    /** The pushed policy (null: none) and the fallback resolved from it and the mesh-wide default. */
    public record InForce(@Nullable AccessPolicy policy, Fallback fallback) {}

    private final @Nullable ServiceName service;
    private volatile InForce current;

    /** Nothing pushed, and every caller allowed by default: a stack built outside a mesh server. */
    public PushedPolicy() {
        service = null;
        current = new InForce(null, Fallback.ALLOW);
    }

    /**
     * Nothing pushed yet: until the registry's first answer, a request that no annotation decides is decided by
     * {@code untilKnown}.
     */
    public PushedPolicy(ServiceName service, DefaultPolicy untilKnown) {
        this.service = requireNonNull(service, "service");
        current = new InForce(
                null,
                untilKnown == DefaultPolicy.ALLOW
                        ? Fallback.ALLOW
                        : new Fallback(
                                false,
                                "refused by the default-deny this server applies until it has heard from the "
                                        + "registry: it has had no answer since it started, and refuses what no "
                                        + "@AllowCallers allows until it has one (MeshServerBuilder"
                                        + ".defaultPolicyUntilKnown(..) changes that)"));
    }

    public InForce current() {
        return current;
    }

    /**
     * Puts {@code policy} in force (null: none, the annotations apply) with the mesh-wide default {@code
     * meshDefault} (null: a registry that does not say it, one older than defaults, whose mesh allows).
     */
    public void replace(@Nullable AccessPolicy policy, @Nullable DefaultPolicy meshDefault) {
        current = new InForce(
                policy, Fallback.of(service, policy, meshDefault != null ? meshDefault : DefaultPolicy.ALLOW));
    }
}
