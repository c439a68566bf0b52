package io.mesh4j.client.internal.metrics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.client.endpoint.EndpointSelector;

import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.internal.telemetry.MeshMetrics;

/**
 * Counts the balancer's picks per endpoint in {@code mesh_client_balancer_picks_total}: a selection strategy that
 * lets the balancer's own choose and counts what it chose. The endpoint is named by its registry instance id,
 * else its address.
 */
public final class PickCounter {

    /**
     * Returns {@code strategy}, counting each endpoint it picks for the calls to {@code service}.
     */
    public static EndpointSelectionStrategy counting(
            EndpointSelectionStrategy strategy, String service, MeshMetrics metrics) {
        return group -> new CountingSelector(strategy.newSelector(group), service, metrics);
    }

    /** How an endpoint is named in the mesh's metrics. */
    public static String nameOf(Endpoint endpoint) {
        final @Nullable InstanceId id = endpoint.attr(RegistryEndpointGroup.INSTANCE_ID);
        return id != null ? id.value() : endpoint.authority();
    }

    private PickCounter() {}

    private static final class CountingSelector implements EndpointSelector {

        private final EndpointSelector delegate;
        private final String service;
        private final MeshMetrics metrics;

        CountingSelector(EndpointSelector delegate, String service, MeshMetrics metrics) {
            this.delegate = delegate;
            this.service = service;
            this.metrics = metrics;
        }

        @Override
        public @Nullable Endpoint selectNow(ClientRequestContext ctx) {
            return count(delegate.selectNow(ctx));
        }

        @Override
        public CompletableFuture<Endpoint> select(
                ClientRequestContext ctx, ScheduledExecutorService executor, long selectionTimeoutMillis) {
            return delegate.select(ctx, executor, selectionTimeoutMillis).thenApply(this::count);
        }

        private @Nullable Endpoint count(@Nullable Endpoint endpoint) {
            if (endpoint != null) {
                metrics.balancerPick(service, nameOf(endpoint));
            }
            return endpoint;
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
