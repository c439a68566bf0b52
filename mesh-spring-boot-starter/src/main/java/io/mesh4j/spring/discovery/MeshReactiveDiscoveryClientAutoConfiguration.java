package io.mesh4j.spring.discovery;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.context.annotation.Bean;

import io.mesh4j.client.MeshClient;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshSettings;
import reactor.core.publisher.Flux;

/**
 * A {@link MeshReactiveDiscoveryClient} when the application has Spring Cloud Commons and Reactor, and reactive
 * discovery is on ({@code spring.cloud.discovery.enabled} and {@code spring.cloud.discovery.reactive.enabled}, both
 * on unless set). Spring Cloud's reactive composite discovery client then asks it beside any other.
 */
@AutoConfiguration(
        after = MeshAutoConfiguration.class,
        beforeName = {
            "org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration",
            "org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration"
        })
@ConditionalOnClass({ReactiveDiscoveryClient.class, Flux.class})
@ConditionalOnBean(MeshClient.class)
@ConditionalOnProperty(
        prefix = "spring.cloud.discovery",
        name = {"enabled", "reactive.enabled"},
        matchIfMissing = true)
public class MeshReactiveDiscoveryClientAutoConfiguration {

    /** Made by Spring Boot. */
    public MeshReactiveDiscoveryClientAutoConfiguration() {}

    /**
     * The reactive discovery client of the mesh's registry.
     *
     * @param mesh the application's mesh client
     * @param settings the checked settings, for {@code mesh.tls}
     * @return the discovery client
     */
    @Bean
    @ConditionalOnMissingBean
    public MeshReactiveDiscoveryClient meshReactiveDiscoveryClient(MeshClient mesh, MeshSettings settings) {
        return new MeshReactiveDiscoveryClient(
                mesh, settings.properties().isTls(), MeshDiscoveryClientAutoConfiguration.REGISTRY_TIMEOUT);
    }
}
