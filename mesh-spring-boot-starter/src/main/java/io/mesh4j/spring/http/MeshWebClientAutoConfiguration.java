package io.mesh4j.spring.http;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/**
 * Gives every {@code WebClient.Builder} bean marked {@link ThroughMesh} the mesh's connector, when the application
 * has Spring's {@code WebClient} (spring-webflux).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass(WebClient.class)
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
public class MeshWebClientAutoConfiguration {

    /** Made by Spring Boot. */
    public MeshWebClientAutoConfiguration() {}

    /**
     * The post-processor that gives {@link ThroughMesh} builders the mesh's connector. Static, as a post-processor's
     * bean method should be, and given the mesh client lazily, so that it makes no bean early.
     *
     * @param mesh the application's mesh client, made when the first marked builder is
     * @return the post-processor
     */
    @Bean
    public static BeanPostProcessor meshWebClientBuilders(ObjectProvider<MeshClient> mesh) {
        return new ThroughMeshBuilders(mesh);
    }

    /**
     * Sets the connector of the builders marked {@link ThroughMesh}, before they are injected, and a filter that
     * takes a {@link MeshUnavailableException} out of the {@link WebClientRequestException} {@code WebClient} wraps
     * it in, so that the caller sees why the mesh gave up and a Spring web application answers 503.
     */
    static final class ThroughMeshBuilders extends ThroughMeshBeans {

        private static final ExchangeFilterFunction MESH_EXCEPTIONS = (request, next) -> next.exchange(request)
                .onErrorMap(
                        e -> e instanceof WebClientRequestException && e.getCause() instanceof MeshUnavailableException,
                        Throwable::getCause);

        private final ObjectProvider<MeshClient> mesh;

        ThroughMeshBuilders(ObjectProvider<MeshClient> mesh) {
            this.mesh = mesh;
        }

        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
            if (bean instanceof WebClient.Builder && isMarked(beanName)) {
                ((WebClient.Builder) bean)
                        .clientConnector(new MeshClientHttpConnector(mesh.getObject()))
                        .filter(MESH_EXCEPTIONS);
            }
            return bean;
        }
    }
}
