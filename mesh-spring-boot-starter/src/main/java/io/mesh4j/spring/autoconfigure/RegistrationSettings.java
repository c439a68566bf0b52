package io.mesh4j.spring.autoconfigure;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;

/**
 * Checks the properties that say how this instance registers, each on its own, so that a bad one fails the start
 * naming itself ({@code mesh.weight}, not the server builder's {@code weight}), with the registry's own rule in
 * the description. They are checked in an application that only calls too, where they do nothing yet: a typo
 * there would otherwise surface only on the day the application starts serving.
 */
final class RegistrationSettings {

    /** A host and port the registry accepts, beside which one property at a time is checked. */
    private static final String SOME_HOST = "127.0.0.1";

    private static final int SOME_PORT = 1;

    private RegistrationSettings() {}

    static void check(MeshProperties properties) {
        if (properties.getPort() < 0 || properties.getPort() > 65_535) {
            throw new MeshConfigurationException(
                    "mesh.port",
                    properties.getPort() + " is not a port",
                    "Set mesh.port to a port from 1 to 65535, or 0 (the default) for " + "any free one.");
        }
        final String host = properties.getAdvertisedHost();
        if (host != null) {
            field(
                    "mesh.advertised-host",
                    () -> Registration.builder(host, SOME_PORT).build(),
                    "Set mesh.advertised-host to the host name or IP address callers reach this instance at, such as "
                            + "orders-1.internal or 10.0.3.7, or leave it out for this host's first IPv4 address.");
        }
        final String instanceId = properties.getInstanceId();
        if (instanceId != null) {
            field(
                    "mesh.instance-id",
                    () -> InstanceId.of(instanceId),
                    "Set mesh.instance-id to 1 to 128 letters, digits, '.', '_' or '-', such as orders-1, or leave it "
                            + "out for the service name and a random suffix.");
        }
        field(
                "mesh.zone",
                () -> registration().zone(properties.getZone()).build(),
                "Set mesh.zone to the failure domain's name, such as eu-west-1a, or leave it out.");
        field(
                "mesh.weight",
                () -> registration().weight(properties.getWeight()).build(),
                "Set mesh.weight to this instance's share relative to the others, 1 to 10000 (100 unless set).");
        field(
                "mesh.metadata",
                () -> registration().metadata(properties.getMetadata()).build(),
                "Set labels as mesh.metadata.<key>=<value>, such as mesh.metadata.version=v2; a key is 1 to 63 "
                        + "letters, digits, '.', '_', '/' or '-'.");
        field(
                "mesh.ttl",
                () -> registration().ttl(properties.getTtl()).build(),
                "Set mesh.ttl to a whole number of seconds from 1s to 3600s, such as 15s (the default).");
        if (properties.getDrainPeriod().isNegative()) {
            throw new MeshConfigurationException(
                    "mesh.drain-period",
                    properties.getDrainPeriod() + " is negative",
                    "Set mesh.drain-period to 0s or more, such as 2s (the default).");
        }
    }

    private static Registration.Builder registration() {
        return Registration.builder(SOME_HOST, SOME_PORT);
    }

    /** Runs one property's check, and names the property if it fails. */
    private static void field(String property, Runnable check, String action) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(property, String.valueOf(e.getMessage()), action);
        }
    }
}
