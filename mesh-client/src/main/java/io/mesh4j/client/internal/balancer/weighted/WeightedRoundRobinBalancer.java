package io.mesh4j.client.internal.balancer.weighted;

import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.balancer.Balancer;

/**
 * Weighted round robin, by Armeria's own strategy: each endpoint in turn, as often as the weight it registered
 * with says, blind to load.
 */
public final class WeightedRoundRobinBalancer implements Balancer {

    @Override
    public EndpointSelectionStrategy selectionStrategy() {
        return EndpointSelectionStrategy.weightedRoundRobin();
    }

    @Override
    public String toString() {
        return "weighted-round-robin";
    }
}
