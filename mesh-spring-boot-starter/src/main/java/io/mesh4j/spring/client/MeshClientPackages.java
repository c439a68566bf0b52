package io.mesh4j.spring.client;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.GenericBeanDefinition;

/**
 * The packages scanned for {@code @ServiceClient} interfaces: those every {@link EnableServiceClients} names, or else the
 * application's own. Kept as a bean, as Spring Boot keeps its auto-configuration packages, so that the
 * auto-configuration can tell that the application chose its packages itself.
 */
public final class MeshClientPackages {

    static final String BEAN = MeshClientPackages.class.getName();

    private final List<String> packages;

    private MeshClientPackages(Collection<String> packages) {
        this.packages = List.copyOf(packages);
    }

    /**
     * Returns the packages, in the order they were named.
     *
     * @return the package names, subpackages scanned too
     */
    public List<String> packages() {
        return packages;
    }

    /**
     * Adds {@code packages} to those scanned, and makes sure that something scans them.
     */
    static void register(BeanDefinitionRegistry registry, Collection<String> packages) {
        if (registry.containsBeanDefinition(BEAN)) {
            final BeanDefinition existing = registry.getBeanDefinition(BEAN);
            if (existing instanceof Definition definition) {
                definition.add(packages);
                return;
            }
        }
        registry.registerBeanDefinition(BEAN, new Definition(packages));
        MeshClientBeanRegistrar.registerIfAbsent(registry);
    }

    static MeshClientPackages get(BeanFactory beanFactory) {
        return beanFactory.getBean(BEAN, MeshClientPackages.class);
    }

    @Override
    public String toString() {
        return "MeshClientPackages" + packages;
    }

    /** The bean's definition, to which each further registration adds its packages. */
    private static final class Definition extends GenericBeanDefinition {

        private final Set<String> packages = new LinkedHashSet<>();

        Definition(Collection<String> packages) {
            setBeanClass(MeshClientPackages.class);
            setRole(ROLE_INFRASTRUCTURE);
            setInstanceSupplier(() -> new MeshClientPackages(this.packages));
            add(packages);
        }

        void add(Collection<String> more) {
            packages.addAll(more);
        }
    }
}
