package io.mesh4j.spring.client;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.SmartFactoryBean;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.RootBeanDefinition;

import io.mesh4j.client.MeshClient;

/**
 * Makes the bean of one {@code @ServiceClient} interface with the application's {@link MeshClient}. It is made
 * when the application starts, not at its first injection, so that an interface that cannot work stops the start
 * with a failure analysis naming its method, rather than failing later or never.
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
        return definition;
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
            return mesh.client(type);
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
