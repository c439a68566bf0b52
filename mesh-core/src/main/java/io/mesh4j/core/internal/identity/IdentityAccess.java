package io.mesh4j.core.internal.identity;

import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.InternalAccess;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.state.StateHolder;

/** What a {@link WorkloadIdentity} hands to the mesh client and server that is not API. */
public final class IdentityAccess {

    /** The client of the registry that presents the identity's certificate, shared with the client and server. */
    public static final InternalAccess<WorkloadIdentity, RegistryClient> REGISTRY_CLIENT =
            InternalAccess.of(WorkloadIdentity.class, "registryClient");

    /**
     * The key manager that presents the identity's current certificate at every handshake, one per identity, for
     * listeners that keep one TLS context for their whole life.
     */
    public static final InternalAccess<WorkloadIdentity, CurrentKeyManager> KEY_MANAGER =
            InternalAccess.of(WorkloadIdentity.class, "keyManager");

    /** Where the identity keeps its last-known-good state, which the client and server of the workload share. */
    public static final InternalAccess<WorkloadIdentity, StateHolder> STATE =
            InternalAccess.of(WorkloadIdentity.class, "state");

    private IdentityAccess() {}
}
