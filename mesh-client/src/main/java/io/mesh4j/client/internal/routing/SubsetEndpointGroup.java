package io.mesh4j.client.internal.routing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.DynamicEndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.routing.Subset;

/**
 * The endpoints of a service whose instance metadata has a subset's labels, kept current with the service's.
 */
final class SubsetEndpointGroup extends DynamicEndpointGroup {

    private final EndpointGroup all;
    private final Subset subset;
    private final Consumer<List<Endpoint>> onChange = this::refresh;

    SubsetEndpointGroup(EndpointGroup all, Subset subset, EndpointSelectionStrategy selectionStrategy) {
        super(selectionStrategy, true);
        this.all = all;
        this.subset = subset;
        all.addListener(onChange, true);
    }

    private void refresh(List<Endpoint> endpoints) {
        if (isClosing()) {
            return;
        }
        setEndpoints(endpoints.stream().filter(this::inSubset).toList());
    }

    private boolean inSubset(Endpoint endpoint) {
        final @Nullable Map<String, String> metadata = endpoint.attr(RegistryEndpointGroup.METADATA);
        return subset.contains(metadata != null ? metadata : Map.of());
    }

    @Override
    protected void doCloseAsync(CompletableFuture<?> future) {
        all.removeListener(onChange);
        future.complete(null);
    }

    @Override
    public String toString() {
        return "SubsetEndpointGroup(" + subset + ", " + endpoints().size() + " endpoints)";
    }
}
