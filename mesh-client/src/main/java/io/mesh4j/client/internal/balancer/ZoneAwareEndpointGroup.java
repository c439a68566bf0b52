package io.mesh4j.client.internal.balancer;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.DynamicEndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;

import io.mesh4j.client.internal.discovery.EndpointWait;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;

/**
 * Prefers the caller's zone while it has enough healthy capacity, and fails over to every zone when it has not,
 * as Istio's locality failover does: calls stay in the zone (cheaper, faster) until the zone is in trouble.
 *
 * <p>"Enough" is at least {@link #MIN_HEALTHY_SHARE} of the zone's registered endpoints healthy: a zone that has
 * lost more than that sends the overflow to the others, which would otherwise sit idle while the zone's last
 * endpoints drown.
 */
public final class ZoneAwareEndpointGroup extends DynamicEndpointGroup {

    /** Istio's default overprovisioning factor of 1.4 keeps a locality until under 1/1.4 of it is healthy. */
    public static final double MIN_HEALTHY_SHARE = 1 / 1.4;

    private final EndpointGroup registered;
    private final EndpointGroup healthy;
    private final String zone;
    private final Consumer<List<Endpoint>> onChange = unused -> refresh();

    /**
     * @param registered every endpoint that may be called, ejected ones included: the zone's capacity
     * @param healthy    those the breakers let through
     * @param zone       the caller's zone
     */
    public ZoneAwareEndpointGroup(
            EndpointGroup registered, EndpointGroup healthy, String zone, EndpointSelectionStrategy selectionStrategy) {
        // No selection timeout of its own: a call waits for an endpoint until its deadline (EndpointWait).
        super(selectionStrategy, true, EndpointWait.UNBOUNDED);
        this.registered = requireNonNull(registered, "registered");
        this.healthy = requireNonNull(healthy, "healthy");
        this.zone = requireNonNull(zone, "zone");
        registered.addListener(onChange, true);
        healthy.addListener(onChange, true);
    }

    private synchronized void refresh() {
        if (isClosing() || !healthy.whenReady().isDone()) {
            return;
        }
        final List<Endpoint> all = healthy.endpoints();
        final long inZone = registered.endpoints().stream().filter(this::inZone).count();
        final List<Endpoint> healthyInZone = all.stream().filter(this::inZone).toList();
        final boolean zoneCanTakeIt =
                !healthyInZone.isEmpty() && healthyInZone.size() >= Math.ceil(inZone * MIN_HEALTHY_SHARE);
        setEndpoints(zoneCanTakeIt ? healthyInZone : all);
    }

    private boolean inZone(Endpoint endpoint) {
        return zone.equals(endpoint.attr(RegistryEndpointGroup.ZONE));
    }

    @Override
    protected void doCloseAsync(CompletableFuture<?> future) {
        registered.removeListener(onChange);
        healthy.removeListener(onChange);
        future.complete(null);
    }

    @Override
    public String toString() {
        return "ZoneAwareEndpointGroup(zone=" + zone + ", " + endpoints().size() + " endpoints)";
    }
}
