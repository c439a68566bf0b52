package io.mesh4j.client.internal.discovery;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;

import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.core.discovery.ServiceName;

/**
 * A fixed list of endpoints: {@code static:host:port,host:port}.
 */
public final class StaticDiscovery implements Discovery {

    private static final String SYNTAX = "static:host:port,host:port, such as static:10.0.0.7:8080,[::1]:8080";

    private final List<Endpoint> endpoints;

    private StaticDiscovery(List<Endpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    /** The backend of {@code endpoints}, each with a port. */
    public static StaticDiscovery of(List<Endpoint> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("static discovery: no endpoint (expected: " + SYNTAX + ')');
        }
        for (Endpoint endpoint : endpoints) {
            if (!requireNonNull(endpoint, "endpoint").hasPort()) {
                throw new IllegalArgumentException(
                        "static discovery: '" + endpoint + "' has no port (expected: " + SYNTAX + ')');
            }
        }
        return new StaticDiscovery(endpoints);
    }

    /** The backend of {@code hostPorts}, the rest of a {@code static:} spec. */
    public static StaticDiscovery parse(String hostPorts) {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (String part : hostPorts.split(",", -1)) {
            final String hostPort = part.trim();
            if (hostPort.isEmpty()) {
                throw new IllegalArgumentException(
                        "discovery 'static:" + hostPorts + "': an empty entry (expected: " + SYNTAX + ')');
            }
            final Endpoint endpoint;
            try {
                endpoint = Endpoint.parse(hostPort);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "discovery 'static:" + hostPorts + "': '" + hostPort + "' is not host:port (expected: " + SYNTAX
                                + ')',
                        e);
            }
            if (!endpoint.hasPort() || endpoint.port() < 1 || endpoint.port() > 65535) {
                throw new IllegalArgumentException("discovery 'static:" + hostPorts + "': '" + hostPort
                        + "' has no port 1..65535 (expected: " + SYNTAX + ')');
            }
            endpoints.add(endpoint);
        }
        return new StaticDiscovery(endpoints);
    }

    @Override
    public EndpointGroup newEndpointGroup(ServiceName service) {
        return EndpointGroup.of(endpoints);
    }

    @Override
    public String kind() {
        return "static";
    }

    @Override
    public String toString() {
        return "static:" + endpoints.stream().map(Endpoint::authority).collect(Collectors.joining(","));
    }
}
