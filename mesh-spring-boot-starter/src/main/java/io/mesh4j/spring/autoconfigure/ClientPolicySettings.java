package io.mesh4j.spring.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.Balancers;
import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The outbound policies that {@code mesh.client.*} and {@code mesh.services.<name>.*} say, checked one property at
 * a time so that a bad value fails the start naming the very property, per service included.
 */
final class ClientPolicySettings {

    private final BalancerFactory balancer;
    private final ClientPolicy defaults;
    private final Map<ServiceName, ClientPolicy> services;
    private final Map<ServiceName, Map.Entry<Discovery, PeerTransport>> discoveries;

    private ClientPolicySettings(
            BalancerFactory balancer,
            ClientPolicy defaults,
            Map<ServiceName, ClientPolicy> services,
            Map<ServiceName, Map.Entry<Discovery, PeerTransport>> discoveries) {
        this.balancer = balancer;
        this.defaults = defaults;
        this.services = services;
        this.discoveries = discoveries;
    }

    static ClientPolicySettings check(MeshProperties properties) {
        final MeshProperties.Client client = properties.getClient();
        final ClientPolicy defaults =
                policy("mesh.client", client.getTimeout(), client.getStreamTimeout(), client.getMaxAttempts());
        final Map<ServiceName, ClientPolicy> services = new LinkedHashMap<>();
        final Map<ServiceName, Map.Entry<Discovery, PeerTransport>> discoveries = new LinkedHashMap<>();
        properties.getServices().forEach((name, overrides) -> {
            final ServiceName service;
            try {
                service = ServiceName.of(name);
            } catch (IllegalArgumentException e) {
                throw new MeshConfigurationException(
                        "mesh.services." + name,
                        String.valueOf(e.getMessage()),
                        "Key mesh.services by the called service's name, a DNS-1123 "
                                + "label such as orders: mesh.services.orders.timeout=2s.");
            }
            services.put(
                    service,
                    policy(
                            "mesh.services." + name,
                            or(overrides.getTimeout(), client.getTimeout()),
                            overrides.getStreamTimeout() != null
                                    ? overrides.getStreamTimeout()
                                    : client.getStreamTimeout(),
                            or(overrides.getMaxAttempts(), client.getMaxAttempts())));
            if (overrides.getDiscovery() != null || overrides.getTransport() != null) {
                discoveries.put(
                        service,
                        discovery("mesh.services." + name, overrides.getDiscovery(), overrides.getTransport()));
            }
        });
        return new ClientPolicySettings(
                balancer(client.getBalancer(), client.getSlowStart()), defaults, services, discoveries);
    }

    private static ClientPolicy policy(
            String prefix, Duration timeout, @Nullable Duration streamTimeout, int maxAttempts) {
        final ClientPolicy.Builder policy = ClientPolicy.builder();
        try {
            policy.timeout(timeout);
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    prefix + ".timeout",
                    String.valueOf(e.getMessage()),
                    "Set " + prefix + ".timeout to how long a call may take, every "
                            + "attempt included, more than 0, such as 2s.");
        }
        if (streamTimeout != null) {
            try {
                policy.streamTimeout(streamTimeout);
            } catch (IllegalArgumentException e) {
                throw new MeshConfigurationException(
                        prefix + ".stream-timeout",
                        String.valueOf(e.getMessage()),
                        "Set " + prefix + ".stream-timeout to how long a gRPC stream may last, more than 0, "
                                + "such as 30m, or leave it out for no mesh timeout on streams.");
            }
        }
        try {
            policy.retry(RetryConfig.builder().maxAttempts(maxAttempts).build());
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    prefix + ".max-attempts",
                    String.valueOf(e.getMessage()),
                    "Set " + prefix + ".max-attempts to the attempts in all, the first "
                            + "included, from 1 (no retry) to 10, such as 3.");
        }
        return policy.build();
    }

    private static Map.Entry<Discovery, PeerTransport> discovery(
            String prefix, @Nullable String spec, @Nullable String transportName) {
        final Discovery discovery;
        try {
            discovery = spec != null ? Discovery.parse(spec) : Discovery.registry();
        } catch (IllegalArgumentException e) {
            throw new MeshConfigurationException(
                    prefix + ".discovery",
                    String.valueOf(e.getMessage()),
                    "Set " + prefix + ".discovery to registry (the default), static:host:port,host:port, "
                            + "dns:hostname:port, dns+srv:_service._proto.name, or kubernetes:service.namespace:port-name "
                            + "(with io.mesh4j:mesh-kubernetes on the class path), such as "
                            + "kubernetes:payments.prod:http.");
        }
        PeerTransport transport = PeerTransport.MESH;
        if (transportName != null) {
            try {
                transport = PeerTransport.parse(transportName);
            } catch (IllegalArgumentException e) {
                throw new MeshConfigurationException(
                        prefix + ".transport",
                        String.valueOf(e.getMessage()),
                        "Set " + prefix + ".transport to mesh (mTLS with mesh members, the default), tls (plain "
                                + "TLS to a service outside the mesh) or plaintext.");
            }
        }
        if (!transport.isMeshMember() && discovery.equals(Discovery.registry())) {
            throw new MeshConfigurationException(
                    prefix + ".transport",
                    transportName + " with the registry's instances, which are mesh members",
                    "Set " + prefix + ".discovery to where the service outside the mesh is, such as "
                            + "static:10.0.0.7:8080 or dns:legacy.example:8080, or leave " + prefix
                            + ".transport unset.");
        }
        return Map.entry(discovery, transport);
    }

    private static BalancerFactory balancer(String name, Duration slowStart) {
        if (slowStart.isNegative()) {
            throw new MeshConfigurationException(
                    "mesh.client.slow-start",
                    slowStart + " is negative",
                    "Set mesh.client.slow-start to how long a new instance takes to "
                            + "reach its full share, such as 30s, or 0s to turn it off.");
        }
        if (!slowStart.isZero() && !"p2c".equals(name)) {
            throw new MeshConfigurationException(
                    "mesh.client.slow-start",
                    "slow start ramps the p2c balancer, not " + name,
                    "Set mesh.client.balancer=p2c, or leave mesh.client.slow-start " + "unset.");
        }
        switch (name) {
            case "p2c":
                return Balancers.p2cPeakEwma(slowStart);
            case "round-robin":
                return Balancers.roundRobin();
            case "weighted-round-robin":
                return Balancers.weightedRoundRobin();
            default:
                throw new MeshConfigurationException(
                        "mesh.client.balancer",
                        "'" + name + "' is not a balancer",
                        "Set mesh.client.balancer to p2c (the default), round-robin or " + "weighted-round-robin.");
        }
    }

    private static <T> T or(@Nullable T value, T otherwise) {
        return value != null ? value : otherwise;
    }

    BalancerFactory balancer() {
        return balancer;
    }

    ClientPolicy defaults() {
        return defaults;
    }

    /** The policy of each service {@code mesh.services} names, the defaults filled in where it says nothing. */
    Map<ServiceName, ClientPolicy> services() {
        return services;
    }

    /** The discovery backend and transport of each service {@code mesh.services} gives one. */
    Map<ServiceName, Map.Entry<Discovery, PeerTransport>> discoveries() {
        return discoveries;
    }
}
