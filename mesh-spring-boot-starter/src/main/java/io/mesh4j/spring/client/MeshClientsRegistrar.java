package io.mesh4j.spring.client;

import java.util.LinkedHashSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.annotation.AnnotationAttributes;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Adds the packages one {@link EnableServiceClients} names to those scanned for {@code @ServiceClient} interfaces.
 */
final class MeshClientsRegistrar implements ImportBeanDefinitionRegistrar {

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        final @Nullable AnnotationAttributes attributes =
                AnnotationAttributes.fromMap(metadata.getAnnotationAttributes(EnableServiceClients.class.getName()));
        final Set<String> packages = new LinkedHashSet<>();
        if (attributes != null) {
            for (String name : attributes.getStringArray("basePackages")) {
                if (StringUtils.hasText(name)) {
                    packages.add(name.strip());
                }
            }
            for (Class<?> type : attributes.getClassArray("basePackageClasses")) {
                packages.add(ClassUtils.getPackageName(type));
            }
        }
        if (packages.isEmpty()) {
            packages.add(ClassUtils.getPackageName(metadata.getClassName()));
        }
        MeshClientPackages.register(registry, packages);
    }
}
