package io.mesh4j.client.internal.balancer.random;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.AbstractEndpointSelector;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.balancer.Balancer;

/**
 * Uniformly random, blind to load and weight. Armeria has no random strategy of its own; this one exists as the
 * baseline a load-aware balancer is measured against, and for callers who want no state shared between picks.
 */
public final class RandomBalancer implements Balancer {

    @Override
    public EndpointSelectionStrategy selectionStrategy() {
        return Selector::new;
    }

    @Override
    public String toString() {
        return "random";
    }

    private static final class Selector extends AbstractEndpointSelector {

        private volatile List<Endpoint> endpoints = List.of();

        Selector(EndpointGroup group) {
            super(group);
            initialize();
        }

        @Override
        protected void updateNewEndpoints(List<Endpoint> endpoints) {
            this.endpoints = endpoints;
        }

        @Override
        protected @Nullable Endpoint doSelectNow(ClientRequestContext ctx) {
            final List<Endpoint> endpoints = this.endpoints;
            final int size = endpoints.size();
            if (size == 0) {
                return null;
            }
            return endpoints.get(ThreadLocalRandom.current().nextInt(size));
        }
    }
}
