package io.mesh4j.client.internal.discovery;

import com.linecorp.armeria.client.endpoint.EndpointGroup;

import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The mesh registry as a discovery backend: a marker the mesh client recognises, since the group it makes needs
 * the client's registry client, watch settings and identity ({@link RegistryEndpointGroup}).
 */
public final class RegistryDiscovery implements Discovery {

    public static final RegistryDiscovery INSTANCE = new RegistryDiscovery();

    private RegistryDiscovery() {}

    @Override
    public EndpointGroup newEndpointGroup(ServiceName service) {
        throw new UnsupportedOperationException(
                "the registry's endpoint group is made by the MeshClient, which holds the registry's client");
    }

    @Override
    public String kind() {
        return "registry";
    }

    @Override
    public String toString() {
        return "registry";
    }
}
