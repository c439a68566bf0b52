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
     * The strategy the service's endpoint group selects with.
     */
    EndpointSelectionStrategy selectionStrategy();

    /**
     * Wraps the transport, so that the balancer sees each attempt start and end on its endpoint. Load-blind
     * balancers return the transport as it is.
     */
    default HttpClient observe(HttpClient transport) {
        return transport;
    }
}
