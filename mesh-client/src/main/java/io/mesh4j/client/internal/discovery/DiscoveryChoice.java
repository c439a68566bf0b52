package io.mesh4j.client.internal.discovery;

import static java.util.Objects.requireNonNull;

import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.core.stack.StackParams;

/**
 * What one service's endpoints come from and how calls to them are carried.
 */
public record DiscoveryChoice(Discovery discovery, PeerTransport transport) {

    /** The default: the registry's instances, mesh members. */
    public static final DiscoveryChoice REGISTRY = new DiscoveryChoice(RegistryDiscovery.INSTANCE, PeerTransport.MESH);

    /**
     * Whether the service's endpoints are mesh members, for the layers that mark calls to non-members in traces
     * and metrics: true unless the mesh client says otherwise.
     */
    public static final StackParams.Key<Boolean> MESH_MEMBER = StackParams.Key.of("MESH_MEMBER", () -> true);

    /**
     * @throws IllegalArgumentException for the registry with a transport other than {@link PeerTransport#MESH}
     */
    public DiscoveryChoice {
        requireNonNull(discovery, "discovery");
        requireNonNull(transport, "transport");
        if (discovery instanceof RegistryDiscovery && transport != PeerTransport.MESH) {
            throw new IllegalArgumentException("transport: " + transport + " with the registry (expected: MESH; "
                    + "the registry's instances are mesh members, and " + transport
                    + " is for a service found by another backend, such as static: or dns:)");
        }
    }

    public boolean isRegistry() {
        return discovery instanceof RegistryDiscovery;
    }
}
