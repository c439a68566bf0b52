package io.mesh4j.spring.client;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.SmartFactoryBean;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.RootBeanDefinition;

import io.mesh4j.client.MeshClient;
import io.mesh4j.core.annotation.ServiceClient;

/**
 * Makes the bean of one {@code @ServiceClient} interface with the application's {@link MeshClient}. It is made
 * when the application starts, not at its first injection, so that an interface that cannot work stops the start
 * with a failure analysis naming its method, rather than failing later or never.
 *
 * <p>The interface's {@code @ServiceClient(fallback = ...)} is the application's bean of that class, or one made
 * for it (with its dependencies injected), as Spring Cloud OpenFeign does; the client is then the primary bean of
 * the interface, since the fallback implements it too.
 */
final class MeshClientFactoryBean<T> implements SmartFactoryBean<T>, BeanFactoryAware {

    private final Class<T> type;
    private @Nullable BeanFactory beanFactory;

    MeshClientFactoryBean(Class<T> type) {
        this.type = requireNonNull(type, "type");
    }

    /** The definition of the bean of {@code type}, whose type is known before it is made, for autowiring. */
    static BeanDefinition definition(Class<?> type) {
        final RootBeanDefinition definition = new RootBeanDefinition(MeshClientFactoryBean.class);
        definition.getConstructorArgumentValues().addIndexedArgumentValue(0, type);
        definition.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, type);
        definition.setDescription("the typed mesh client " + type.getName());
        definition.setPrimary(fallbackType(type) != void.class);
        return definition;
    }

    /** The class the interface's {@code @ServiceClient(fallback = ...)} names; {@code void.class} for none. */
    static Class<?> fallbackType(Class<?> type) {
        final @Nullable ServiceClient annotation = type.getAnnotation(ServiceClient.class);
        return annotation != null ? annotation.fallback() : void.class;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public T getObject() {
        // Looked up now rather than injected, so that defining this bean does not make the mesh client early.
        final MeshClient mesh = requireNonNull(beanFactory, "beanFactory").getBean(MeshClient.class);
        try {
            final Class<?> fallbackType = fallbackType(type);
            if (fallbackType == void.class) {
                return mesh.client(type);
            }
            if (!type.isAssignableFrom(fallbackType)) {
                throw new IllegalArgumentException("@ServiceClient(fallback = " + fallbackType.getSimpleName()
                        + ".class): " + fallbackType.getName() + " does not implement " + type.getSimpleName()
                        + " (expected: a class implementing the interface, whose methods answer instead)");
            }
            final BeanFactory beans = requireNonNull(beanFactory, "beanFactory");
            final @Nullable Object existing =
                    beans.getBeanProvider(fallbackType).getIfAvailable();
            final Object fallback =
                    existing != null ? existing : ((AutowireCapableBeanFactory) beans).createBean(fallbackType);
            return mesh.client(type, type.cast(fallback));
        } catch (IllegalArgumentException e) {
            throw new MeshClientInterfaceException(type, e.getMessage(), e);
        }
    }

    @Override
    public Class<T> getObjectType() {
        return type;
    }

    @Override
    public boolean isSingleton() {
        return true;
    }

    @Override
    public boolean isEagerInit() {
        return true;
    }

    @Override
    public String toString() {
        return "MeshClientFactoryBean(" + type.getName() + ')';
    }
}
