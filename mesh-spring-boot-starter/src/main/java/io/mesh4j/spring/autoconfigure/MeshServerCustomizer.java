package io.mesh4j.spring.autoconfigure;

import io.mesh4j.server.MeshServerBuilder;

/**
 * Adjusts the application's mesh server beyond what properties say: more routes, its stack, Armeria settings.
 * Every customizer bean is applied, in {@code @Order}, after the properties and the {@code @MeshService} beans and
 * before the server is built. The server is made only when the application has a {@code @MeshService} bean or a
 * gRPC service ({@code BindableService}) bean.
 *
 * <pre>{@code
 * @Bean
 * MeshServerCustomizer health() {
 *     return builder -> builder.service("/ping", (ctx, req) -> HttpResponse.of("pong"));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface MeshServerCustomizer {

    /**
     * Adjusts the builder of the application's mesh server.
     *
     * @param builder the builder, with the properties and the {@code @MeshService} beans already applied
     */
    void customize(MeshServerBuilder builder);
}
