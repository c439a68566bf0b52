package io.mesh4j.spring.autoconfigure;

import io.mesh4j.server.MeshServerBuilder;

/**
 * Adjusts the application's mesh server beyond what properties say: more routes, its stack, Armeria settings.
 * Every customizer bean is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface MeshServerCustomizer {

    void customize(MeshServerBuilder builder);
}
