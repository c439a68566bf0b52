package io.mesh4j.spring.http;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * A post-processor of the beans marked {@link ThroughMesh}: the marked builders ({@code RestClient.Builder},
 * {@code WebClient.Builder}) are given the mesh before they are injected, and the unmarked ones are left alone.
 */
abstract class ThroughMeshBeans implements BeanPostProcessor, BeanFactoryAware {

    private @Nullable ListableBeanFactory beans;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (beanFactory instanceof ListableBeanFactory) {
            beans = (ListableBeanFactory) beanFactory;
        }
    }

    /** Whether the bean of this name has a definition marked {@link ThroughMesh} (on its method or its class). */
    final boolean isMarked(String beanName) {
        final @Nullable ListableBeanFactory factory = beans;
        return factory != null
                && factory.containsBeanDefinition(beanName)
                && factory.findAnnotationOnBean(beanName, ThroughMesh.class) != null;
    }
}
