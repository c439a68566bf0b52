package io.mesh4j.spring.client;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

import io.mesh4j.spring.autoconfigure.MeshAutoConfiguration;

/**
 * Scans the application's own packages for {@code @ServiceClient} interfaces when it has no
 * {@link EnableServiceClients} of its own, as Spring Boot finds entities and repositories.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnProperty(prefix = "mesh", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnMissingBean(MeshClientPackages.class)
@Import(MeshClientsAutoConfiguration.ApplicationPackages.class)
public class MeshClientsAutoConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(MeshClientsAutoConfiguration.class);

    /** The packages of the application's {@code @SpringBootApplication} (or {@code @AutoConfigurationPackage}). */
    static final class ApplicationPackages implements ImportBeanDefinitionRegistrar, BeanFactoryAware {

        private @Nullable BeanFactory beanFactory;

        @Override
        public void setBeanFactory(BeanFactory beanFactory) {
            this.beanFactory = beanFactory;
        }

        @Override
        public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
            if (beanFactory == null || !AutoConfigurationPackages.has(beanFactory)) {
                logger.debug("no auto-configuration package: no @ServiceClient interface is looked for");
                return;
            }
            MeshClientPackages.register(registry, AutoConfigurationPackages.get(beanFactory));
        }
    }
}
