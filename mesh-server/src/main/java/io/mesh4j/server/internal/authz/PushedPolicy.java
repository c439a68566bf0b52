package io.mesh4j.server.internal.authz;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.stack.StackParams;

/**
 * The access policy the registry has pushed for this service, if any; it overrides the annotations while it is
 * in force. Replaced atomically: a request sees the old policy or the new one.
 */
public final class PushedPolicy {

    /** The stack parameter through which the AUTHZ layer finds it; none pushed unless set. */
    public static final StackParams.Key<PushedPolicy> KEY = StackParams.Key.of("pushedPolicy", PushedPolicy::new);

    private volatile @Nullable AccessPolicy policy;

    public @Nullable AccessPolicy current() {
        return policy;
    }

    /** Puts {@code policy} in force, or takes the pushed one away (annotations apply again) with null. */
    public void replace(@Nullable AccessPolicy policy) {
        this.policy = policy;
    }
}
