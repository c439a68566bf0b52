package io.mesh4j.spring.http;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

import io.mesh4j.client.MeshClient;
import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/**
 * Gives every {@code RestClient.Builder} bean marked {@link ThroughMesh} the mesh's request factory, when the
 * application has Spring's {@code RestClient} (spring-web).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass(RestClient.class)
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
public class MeshRestClientAutoConfiguration {

    /**
     * The post-processor that gives {@link ThroughMesh} builders the mesh's request factory. Static, as a
     * post-processor's bean method should be, and given the mesh client lazily, so that it makes no bean early.
     *
     * @param mesh the application's mesh client, made when the first marked builder is
     * @return the post-processor
     */
    @Bean
    public static BeanPostProcessor meshRestClientBuilders(ObjectProvider<MeshClient> mesh) {
        return new ThroughMeshBuilders(mesh);
    }

    /** Sets the request factory of the builders marked {@link ThroughMesh}, before they are injected. */
    static final class ThroughMeshBuilders extends ThroughMeshBeans {

        private final ObjectProvider<MeshClient> mesh;

        ThroughMeshBuilders(ObjectProvider<MeshClient> mesh) {
            this.mesh = mesh;
        }

        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
            if (bean instanceof RestClient.Builder && isMarked(beanName)) {
                ((RestClient.Builder) bean).requestFactory(new MeshClientHttpRequestFactory(mesh.getObject()));
            }
            return bean;
        }
    }
}
