package io.mesh4j.client.internal.breaker;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.DynamicEndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.internal.discovery.EndpointWait;

/**
 * The discovered endpoints of a service minus those whose breaker is open; see
 * {@link EndpointBreakers#eject(EndpointGroup, EndpointSelectionStrategy)}.
 */
final class EjectingEndpointGroup extends DynamicEndpointGroup {

    private final EndpointGroup discovered;
    private final EndpointBreakers breakers;
    private final Consumer<List<Endpoint>> onDiscovered = unused -> refresh();
    private final Runnable onEjectionChange = this::refresh;

    EjectingEndpointGroup(
            EndpointGroup discovered, EndpointBreakers breakers, EndpointSelectionStrategy selectionStrategy) {
        // No selection timeout of its own: a call waits for an endpoint until its deadline (EndpointWait).
        super(selectionStrategy, true, EndpointWait.UNBOUNDED);
        this.discovered = discovered;
        this.breakers = breakers;
        breakers.addListener(onEjectionChange);
        discovered.addListener(onDiscovered, true);
    }

    private synchronized void refresh() {
        if (isClosing()) {
            return;
        }
        final List<Endpoint> all = discovered.endpoints();
        breakers.retainOnly(all);
        final Set<Endpoint> open = breakers.ejected();
        // No more than the config's share out at once: the rest of the open ones stay in, failing fast.
        final int mayEject = all.size() * breakers.maxEjectedPercent() / 100;
        final Set<Endpoint> ejected = new HashSet<>();
        for (Endpoint endpoint : all) {
            if (ejected.size() < mayEject && open.contains(endpoint)) {
                ejected.add(endpoint);
            }
        }
        final List<Endpoint> healthy =
                all.stream().filter(e -> !ejected.contains(e)).toList();
        setEndpoints(healthy.isEmpty() ? all : healthy);
    }

    @Override
    protected void doCloseAsync(CompletableFuture<?> future) {
        breakers.removeListener(onEjectionChange);
        discovered.removeListener(onDiscovered);
        future.complete(null);
    }
}
