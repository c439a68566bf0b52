package io.mesh4j.client.balancer;

import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.core.annotation.UnstableApi;

/**
 * Chooses the endpoint of each attempt of the calls to one service.
 *
 * <p>A balancer is not a layer of the stack: Armeria picks an endpoint when a request's context is made, and
 * again for every retry, from the endpoint group's selection strategy. A load-aware balancer also needs to see
 * every attempt on its endpoint, which happens below the whole stack, at the transport: that is
 * {@link #observe(HttpClient)}.
 */
@UnstableApi
public interface Balancer {

    /**
     * Returns the strategy the service's endpoint group selects with.
     *
     * @return the strategy, the same on every call
     */
    EndpointSelectionStrategy selectionStrategy();

    /**
     * Wraps the transport, so that the balancer sees each attempt start and end on its endpoint. Load-blind
     * balancers return the transport as it is.
     *
     * @param transport the client under the whole stack, which sends one attempt to its endpoint
     * @return the wrapped transport, or {@code transport} itself (the default)
     */
    default HttpClient observe(HttpClient transport) {
        return transport;
    }
}
