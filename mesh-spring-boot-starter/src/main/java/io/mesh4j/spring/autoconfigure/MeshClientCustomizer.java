package io.mesh4j.spring.autoconfigure;

import io.mesh4j.client.MeshClientBuilder;

/**
 * Adjusts the application's mesh client beyond what properties say: its stack, its balancer, policies. Every
 * customizer bean is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface MeshClientCustomizer {

    void customize(MeshClientBuilder builder);
}
