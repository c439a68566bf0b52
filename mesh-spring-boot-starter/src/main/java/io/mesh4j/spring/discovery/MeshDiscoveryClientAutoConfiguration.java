package io.mesh4j.spring.discovery;

import java.time.Duration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.annotation.Bean;

import io.mesh4j.client.MeshClient;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;
import io.mesh4j.spring.autoconfigure.MeshSettings;

/**
 * A {@link MeshDiscoveryClient} when the application has Spring Cloud Commons ({@code spring-cloud-commons}, which
 * every Spring Cloud starter brings) and discovery is on ({@code spring.cloud.discovery.enabled}, on unless set).
 * Spring Cloud's composite discovery client then asks it beside any other.
 */
@AutoConfiguration(
        after = MeshAutoConfiguration.class,
        beforeName = {
            "org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration",
            "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration"
        })
@ConditionalOnClass(DiscoveryClient.class)
@ConditionalOnBean(MeshClient.class)
@ConditionalOnProperty(value = "spring.cloud.discovery.enabled", matchIfMissing = true)
public class MeshDiscoveryClientAutoConfiguration {

    /** How long a discovery call waits for the registry before it answers from the last-known endpoints. */
    static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(2);

    /**
     * The discovery client of the mesh's registry.
     *
     * @param mesh the application's mesh client
     * @param settings the checked settings, for {@code mesh.tls}
     * @return the discovery client
     */
    @Bean
    @ConditionalOnMissingBean
    public MeshDiscoveryClient meshDiscoveryClient(MeshClient mesh, MeshSettings settings) {
        return new MeshDiscoveryClient(mesh, settings.properties().isTls(), REGISTRY_TIMEOUT);
    }
}
