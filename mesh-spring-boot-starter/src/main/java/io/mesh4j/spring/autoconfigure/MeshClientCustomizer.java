package io.mesh4j.spring.autoconfigure;

import io.mesh4j.client.MeshClientBuilder;

/**
 * Adjusts the application's mesh client beyond what properties say: its stack, its balancer, policies. Every
 * customizer bean is applied, in {@code @Order}, after the properties and before the client is built.
 *
 * <pre>{@code
 * @Bean
 * MeshClientCustomizer audit() {
 *     return builder -> builder.stack(s -> s.insertBefore(ClientRoles.RETRY,
 *             Layer.of(Role.of("AUDIT"), AuditingClient::new)));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface MeshClientCustomizer {

    /**
     * Adjusts the builder of the application's mesh client.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(MeshClientBuilder builder);
}
