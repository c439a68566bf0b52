package io.mesh4j.examples.services;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * What an operator does for each new workload, in code: a one-use join token for its service, handed over with
 * the trust bundle. In production the token reaches the workload by a secret store; here it is a method call.
 */
public final class Workloads {

    /**
     * The identity of a new workload of {@code service}, not started yet.
     *
     * @param admin a client of the registry with the admin token
     */
    public static WorkloadIdentity identity(URI registry, RegistryClient admin, String trustBundlePem, String service) {
        // The registry's answer to a new token carries its value, which it never shows again.
        final String token = requireNonNull(
                admin.createToken(new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                        .join()
                        .token(),
                "token");
        return WorkloadIdentity.builder(registry, service)
                .joinToken(token)
                .trustBundle(trustBundlePem)
                .build();
    }

    private Workloads() {}
}
