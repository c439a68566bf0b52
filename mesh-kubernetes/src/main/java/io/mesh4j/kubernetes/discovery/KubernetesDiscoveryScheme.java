package io.mesh4j.kubernetes.discovery;

import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.DiscoveryScheme;

/**
 * The {@code kubernetes:<service>.<namespace>:<port name>} spec of {@link Discovery#parse(String)}, found by
 * {@link java.util.ServiceLoader} when this module is on the class path.
 */
public final class KubernetesDiscoveryScheme implements DiscoveryScheme {

    private static final String SYNTAX = "kubernetes:<service>.<namespace>:<port name>";
    private static final String EXAMPLE = "such as kubernetes:payments.prod:http";

    /** Made by {@link java.util.ServiceLoader}. */
    public KubernetesDiscoveryScheme() {}

    @Override
    public String scheme() {
        return "kubernetes";
    }

    @Override
    public String syntax() {
        return SYNTAX;
    }

    @Override
    public Discovery parse(String rest) {
        final int colon = rest.lastIndexOf(':');
        if (colon < 0 || colon == rest.length() - 1) {
            throw new IllegalArgumentException(
                    "discovery 'kubernetes:" + rest + "': no port name (expected: " + SYNTAX + ", " + EXAMPLE + ')');
        }
        final String name = rest.substring(0, colon);
        final String port = rest.substring(colon + 1);
        final int dot = name.indexOf('.');
        try {
            final KubernetesDiscoveryBuilder builder =
                    KubernetesDiscovery.builder(dot < 0 ? name : name.substring(0, dot));
            if (dot >= 0) {
                builder.namespace(name.substring(dot + 1));
            }
            return builder.port(port).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "discovery 'kubernetes:" + rest + "': " + e.getMessage() + " (expected: " + SYNTAX + ", " + EXAMPLE
                            + ')',
                    e);
        }
    }
}
