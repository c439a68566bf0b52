package io.mesh4j.client.internal.routing;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.common.util.SafeCloseable;

import io.mesh4j.client.internal.balancer.ZoneAwareEndpointGroup;
import io.mesh4j.client.internal.breaker.EndpointBreakers;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.Subset;

/**
 * The endpoints of one service that a call may go to, by subset: the registry's instances with the subset's
 * labels, minus those whose breaker is open, in the caller's zone while it has the capacity, in the order the
 * balancer picks them. One group per subset a route names, made on first use and kept.
 */
public final class ServiceEndpoints implements SafeCloseable {

    /** More subsets than this at once means something generates them; the oldest are let go. */
    private static final int MAX_SUBSETS = 64;

    private final ServiceName service;
    private final EndpointGroup discovered;
    private final EndpointBreakers breakers;
    private final EndpointSelectionStrategy strategy;
    private final @Nullable String zone;
    private final Map<Subset, Groups> bySubset = new ConcurrentHashMap<>();

    /** A subset's instances as registered, and the healthy ones the balancer picks from. */
    private record Groups(
            EndpointGroup registered,
            EndpointGroup healthy,
            @Nullable EndpointGroup zoned) {
        EndpointGroup pick() {
            return zoned != null ? zoned : healthy;
        }

        void close() {
            if (zoned != null) {
                zoned.close();
            }
            healthy.close();
            if (registered instanceof SubsetEndpointGroup) {
                registered.close();
            }
        }
    }

    /**
     * @param zone the caller's zone, whose endpoints are preferred; null for no preference
     */
    public ServiceEndpoints(
            ServiceName service,
            EndpointGroup discovered,
            EndpointBreakers breakers,
            EndpointSelectionStrategy strategy,
            @Nullable String zone) {
        this.service = requireNonNull(service, "service");
        this.discovered = requireNonNull(discovered, "discovered");
        this.breakers = requireNonNull(breakers, "breakers");
        this.strategy = requireNonNull(strategy, "strategy");
        this.zone = zone;
    }

    public ServiceName service() {
        return service;
    }

    /** The service's endpoints as its discovery backend (the registry unless chosen otherwise) reports them. */
    public EndpointGroup discovered() {
        return discovered;
    }

    /** The registry's watch of the service; null when another discovery backend feeds it. */
    public @Nullable RegistryEndpointGroup registry() {
        return discovered instanceof RegistryEndpointGroup registry ? registry : null;
    }

    public EndpointBreakers breakers() {
        return breakers;
    }

    /** The group a call to {@code subset} picks its endpoint from. */
    public EndpointGroup group(Subset subset) {
        return groups(subset).pick();
    }

    /** Whether {@code subset} has an instance registered now, healthy or not. */
    public boolean hasInstances(Subset subset) {
        return !groups(subset).registered().endpoints().isEmpty();
    }

    private Groups groups(Subset subset) {
        final Groups existing = bySubset.get(subset);
        if (existing != null) {
            return existing;
        }
        if (bySubset.size() >= MAX_SUBSETS) {
            bySubset.entrySet().removeIf(e -> !e.getKey().equals(Subset.ALL) && close(e.getValue()));
        }
        return bySubset.computeIfAbsent(subset, this::newGroups);
    }

    private Groups newGroups(Subset subset) {
        final EndpointGroup registered =
                subset.equals(Subset.ALL) ? discovered : new SubsetEndpointGroup(discovered, subset, strategy);
        final EndpointGroup healthy = breakers.eject(registered, strategy);
        final EndpointGroup zoned =
                zone != null ? new ZoneAwareEndpointGroup(registered, healthy, zone, strategy) : null;
        return new Groups(registered, healthy, zoned);
    }

    private static boolean close(Groups groups) {
        groups.close();
        return true;
    }

    @Override
    public void close() {
        bySubset.values().forEach(Groups::close);
        bySubset.clear();
        discovered.close();
    }

    @Override
    public String toString() {
        return "ServiceEndpoints(" + service + ", subsets=" + bySubset.keySet() + ')';
    }
}
