package io.mesh4j.client.internal.balancer.roundrobin;

import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.balancer.Balancer;

/**
 * Round robin, by Armeria's own strategy: each endpoint in turn, blind to load and weight.
 */
public final class RoundRobinBalancer implements Balancer {

    @Override
    public EndpointSelectionStrategy selectionStrategy() {
        return EndpointSelectionStrategy.roundRobin();
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
