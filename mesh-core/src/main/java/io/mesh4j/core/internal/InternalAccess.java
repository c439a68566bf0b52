package io.mesh4j.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A way for the mesh4j modules to reach a part of an API object that is not API, without a public method that
 * would show an internal type to users (OkHttp's {@code Internal} pattern). The API class installs the getter in
 * its static initializer; since a caller needs an instance to ask, the class is initialized by then.
 *
 * <pre>{@code
 * // in the internal package
 * public static final InternalAccess<WorkloadIdentity, RegistryClient> REGISTRY_CLIENT =
 *         InternalAccess.of(WorkloadIdentity.class, "registryClient");
 * // in WorkloadIdentity
 * static { IdentityAccess.REGISTRY_CLIENT.install(identity -> identity.registry); }
 * }</pre>
 *
 * @param <A> the API class
 * @param <I> what it hands over
 */
public final class InternalAccess<A, I> {

    private final Class<A> api;
    private final String name;
    private volatile @Nullable Function<? super A, ? extends I> getter;

    private InternalAccess(Class<A> api, String name) {
        this.api = api;
        this.name = name;
    }

    /** An access to {@code name} of instances of {@code api}, to be installed by {@code api}. */
    public static <A, I> InternalAccess<A, I> of(Class<A> api, String name) {
        return new InternalAccess<>(requireNonNull(api, "api"), requireNonNull(name, "name"));
    }

    /** Installs the getter; once only, by the API class itself. */
    public synchronized void install(Function<? super A, ? extends I> getter) {
        if (this.getter != null) {
            throw new IllegalStateException(api.getSimpleName() + "." + name + " is installed already");
        }
        this.getter = requireNonNull(getter, "getter");
    }

    /** What {@code instance} hands over. */
    public I get(A instance) {
        final @Nullable Function<? super A, ? extends I> getter = this.getter;
        if (getter == null) {
            throw new IllegalStateException(api.getSimpleName() + " did not install " + name);
        }
        return getter.apply(requireNonNull(instance, api.getSimpleName()));
    }

    @Override
    public String toString() {
        return api.getSimpleName() + '.' + name;
    }
}
