package io.mesh4j.client.discovery;

import com.linecorp.armeria.client.Endpoint;

import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.netty.util.AttributeKey;

/**
 * The attributes of an {@link Endpoint} that the client's layers read, for backends that know them.
 */
public final class EndpointAttributes {

    /**
     * The zone the endpoint runs in, such as {@code eu-west-1a}: a client with a zone prefers the endpoints of its
     * own. Endpoints without it are in no zone.
     */
    public static final AttributeKey<String> ZONE = RegistryEndpointGroup.ZONE;

    private EndpointAttributes() {}
}
