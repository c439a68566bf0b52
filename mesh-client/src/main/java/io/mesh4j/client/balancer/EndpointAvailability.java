package io.mesh4j.client.balancer;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.core.annotation.UnstableApi;
import io.mesh4j.core.stack.StackParams;

/**
 * Whether an endpoint may take an attempt now, as the circuit breakers see it: a balancer asks before it picks,
 * so that an attempt is not spent on an endpoint that would refuse it (Finagle's balancers read the same from
 * their nodes' status).
 */
@FunctionalInterface
@UnstableApi
public interface EndpointAvailability {

    /** Every endpoint available: no breakers. */
    EndpointAvailability ALL = endpoint -> true;

    /** The stack parameter through which a balancer finds it. */
    StackParams.Key<EndpointAvailability> KEY = StackParams.Key.of("endpointAvailability", () -> ALL);

    /**
     * Returns whether {@code endpoint} may take an attempt now.
     *
     * @param endpoint an endpoint of the service
     * @return {@code false} if its circuit breaker would refuse the attempt
     */
    boolean isAvailable(Endpoint endpoint);
}
