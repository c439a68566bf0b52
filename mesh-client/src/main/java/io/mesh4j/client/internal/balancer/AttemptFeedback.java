package io.mesh4j.client.internal.balancer;

import com.linecorp.armeria.client.ClientRequestContext;

import io.mesh4j.client.balancer.Balancer;
import io.mesh4j.core.internal.stack.Interceptor;
import io.mesh4j.core.stack.Role;

/**
 * A {@link Balancer} that learns from each attempt through an interceptor rather than a decorator of the
 * transport, so that the mesh client runs it in the per-attempt pass, beside BREAKER, with one log listener
 * between them. A balancer without it is observed through {@link Balancer#observe}.
 */
public interface AttemptFeedback {

    /** The role the feedback runs under in the per-attempt pass; not a layer of the stack, below its last one. */
    Role ROLE = Role.perAttempt("LOAD_FEEDBACK");

    /**
     * Returns the interceptor that tells the balancer of each attempt's start and end on its endpoint.
     *
     * @return the same interceptor on every call
     */
    Interceptor<ClientRequestContext> feedback();
}
