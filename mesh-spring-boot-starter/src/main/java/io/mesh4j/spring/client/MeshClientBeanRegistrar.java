package io.mesh4j.spring.client;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * Defines one bean per {@code @ServiceClient} interface found in the {@link MeshClientPackages}, unless the
 * application defines a bean of that type itself.
 *
 * <p>It runs once every configuration class, auto-configurations included, has defined its beans: only then can
 * it tell whether the application has its own bean of an interface, as {@code @ConditionalOnMissingBean} would.
 */
final class MeshClientBeanRegistrar
        implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, ResourceLoaderAware, BeanClassLoaderAware {

    private static final String BEAN = MeshClientBeanRegistrar.class.getName();

    private static final Logger logger = LoggerFactory.getLogger(MeshClientBeanRegistrar.class);

    private @Nullable Environment environment;
    private @Nullable ResourceLoader resourceLoader;
    private @Nullable ClassLoader classLoader;

    static void registerIfAbsent(BeanDefinitionRegistry registry) {
        if (!registry.containsBeanDefinition(BEAN)) {
            final RootBeanDefinition definition = new RootBeanDefinition(MeshClientBeanRegistrar.class);
            definition.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
            registry.registerBeanDefinition(BEAN, definition);
        }
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setResourceLoader(ResourceLoader resourceLoader) {
        this.resourceLoader = resourceLoader;
    }

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        final Environment environment = requireNonNull(this.environment, "environment");
        if (!environment.getProperty("mesh.enabled", Boolean.class, true)) {
            // No mesh client to make them with; an injection point of one fails as for any missing bean.
            logger.info("mesh.enabled=false: no @ServiceClient interface is made into a bean");
            return;
        }
        final ListableBeanFactory beans = (ListableBeanFactory) registry;
        final MeshClientPackages packages = MeshClientPackages.get(beans);
        final MeshClientScanner scanner =
                new MeshClientScanner(environment, requireNonNull(resourceLoader, "resourceLoader"));
        for (String name : scanner.scan(packages.packages())) {
            final Class<?> type = ClassUtils.resolveClassName(name, classLoader);
            // Types only, nothing made: a factory bean is not asked, an @Bean method's return type is read.
            final Class<?> fallback = MeshClientFactoryBean.fallbackType(type);
            final String[] own = Arrays.stream(beans.getBeanNamesForType(type, true, false))
                    // The fallback's bean implements the interface too, but is not a client of its own.
                    .filter(bean -> !isOfType(beans, bean, fallback))
                    .toArray(String[]::new);
            if (own.length > 0) {
                logger.debug("{}: the application's own bean {} is used", name, Arrays.toString(own));
                continue;
            }
            registry.registerBeanDefinition(name, MeshClientFactoryBean.definition(type));
            logger.debug("{}: a typed mesh client bean", name);
        }
    }

    private static boolean isOfType(ListableBeanFactory beans, String bean, Class<?> type) {
        final @Nullable Class<?> actual = beans.getType(bean, false);
        return type != void.class && actual != null && type.isAssignableFrom(actual);
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {}
}
