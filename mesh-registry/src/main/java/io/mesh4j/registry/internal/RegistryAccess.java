package io.mesh4j.registry.internal;

import io.mesh4j.core.internal.InternalAccess;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.ca.CertificateAuthority;

/** What an embedded {@link MeshRegistry} hands to tests, the demo and the benchmarks that is not API. */
public final class RegistryAccess {

    /**
     * A client of the registry with the operator's rights (the admin token), that verifies the registry's
     * certificate against its own CA; a plain client when the registry runs plaintext.
     */
    public static final InternalAccess<MeshRegistry, RegistryClient> ADMIN_CLIENT =
            InternalAccess.of(MeshRegistry.class, "adminClient");

    /** The registry's CA; the registry must run with TLS and be started. */
    public static final InternalAccess<MeshRegistry, CertificateAuthority> CA =
            InternalAccess.of(MeshRegistry.class, "ca");

    private RegistryAccess() {}
}
