package io.mesh4j.client.internal;

import java.util.Optional;
import java.util.function.Function;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.internal.routing.ServiceEndpoints;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.InternalAccess;
import io.mesh4j.core.internal.policy.PolicyRegistry;
import io.mesh4j.core.internal.registry.RegistryClient;

/** What a {@link MeshClient} hands to the Spring Boot starter's views that is not API. */
public final class ClientAccess {

    /** The client's registry client, route configs and per-service endpoints. */
    public static final InternalAccess<MeshClient, Internals> INTERNALS =
            InternalAccess.of(MeshClient.class, "internals");

    /**
     * A mesh client's inner parts.
     *
     * @param registry the client of the registry it discovers with
     * @param routes the route configs in force, with their registry index
     * @param endpoints the discovery, breakers and balancing of a service it calls, if it calls it
     */
    public record Internals(
            RegistryClient registry,
            PolicyRegistry routes,
            Function<ServiceName, Optional<ServiceEndpoints>> endpoints) {}

    private ClientAccess() {}
}
