package io.mesh4j.client.balancer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.client.endpoint.EndpointSelector;

/**
 * Makes a load-blind strategy (round robin, weighted round robin) pass over unavailable endpoints: it asks the
 * strategy again, as many times as there are endpoints, and takes its first pick when none is available.
 */
final class AvailableFirst implements EndpointSelectionStrategy {

    private final EndpointSelectionStrategy delegate;
    private final EndpointAvailability availability;

    AvailableFirst(EndpointSelectionStrategy delegate, EndpointAvailability availability) {
        this.delegate = delegate;
        this.availability = availability;
    }

    @Override
    public EndpointSelector newSelector(EndpointGroup group) {
        final EndpointSelector selector = delegate.newSelector(group);
        return new EndpointSelector() {
            @Override
            public @Nullable Endpoint selectNow(ClientRequestContext ctx) {
                final @Nullable Endpoint first = selector.selectNow(ctx);
                Endpoint pick = first;
                for (int i = group.endpoints().size(); i > 1 && pick != null && !availability.isAvailable(pick); i--) {
                    pick = selector.selectNow(ctx);
                }
                return pick != null && availability.isAvailable(pick) ? pick : first;
            }

            @Override
            @SuppressWarnings("deprecation")
            public CompletableFuture<Endpoint> select(
                    ClientRequestContext ctx, ScheduledExecutorService executor, long timeoutMillis) {
                return selector.select(ctx, executor, timeoutMillis);
            }

            @Override
            public CompletableFuture<Endpoint> select(ClientRequestContext ctx, ScheduledExecutorService executor) {
                return selector.select(ctx, executor);
            }
        };
    }
}
