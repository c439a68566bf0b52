package io.mesh4j.spring.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.balancer.BalancerFactory;
import io.mesh4j.client.balancer.Balancers;
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

    private ClientPolicySettings(
            BalancerFactory balancer, ClientPolicy defaults, Map<ServiceName, ClientPolicy> services) {
        this.balancer = balancer;
        this.defaults = defaults;
        this.services = services;
    }

    static ClientPolicySettings check(MeshProperties properties) {
        final MeshProperties.Client client = properties.getClient();
        final ClientPolicy defaults =
                policy("mesh.client", client.getTimeout(), client.getStreamTimeout(), client.getMaxAttempts());
        final Map<ServiceName, ClientPolicy> services = new LinkedHashMap<>();
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
        });
        return new ClientPolicySettings(balancer(client.getBalancer(), client.getSlowStart()), defaults, services);
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
}
