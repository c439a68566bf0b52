package io.mesh4j.spring.client;

import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;

import io.mesh4j.core.annotation.ServiceClient;

/**
 * Finds the types annotated with {@link ServiceClient} in packages, which Spring's component scan passes over: it
 * wants concrete classes, and a typed client is an interface that the mesh implements.
 */
final class MeshClientScanner extends ClassPathScanningCandidateComponentProvider {

    MeshClientScanner(Environment environment, ResourceLoader resourceLoader) {
        super(false, environment);
        setResourceLoader(resourceLoader);
        addIncludeFilter(new AnnotationTypeFilter(ServiceClient.class, true, false));
    }

    /** The names of the annotated types in {@code packages} and their subpackages, in name order. */
    SortedSet<String> scan(Collection<String> packages) {
        final SortedSet<String> names = new TreeSet<>();
        for (String pkg : packages) {
            for (BeanDefinition candidate : findCandidateComponents(pkg)) {
                names.add(candidate.getBeanClassName());
            }
        }
        return names;
    }

    @Override
    protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
        // A class with @ServiceClient is kept too, so that making it fails the start saying it must be an interface.
        final AnnotationMetadata metadata = definition.getMetadata();
        return metadata.isIndependent() && !metadata.isAnnotation();
    }
}
