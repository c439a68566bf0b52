package io.mesh4j.client.internal.typed;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import io.mesh4j.client.typed.MeshCallException;
import io.mesh4j.client.typed.MeshUnavailableException;
import io.mesh4j.core.annotation.Fallback;
import io.mesh4j.core.internal.annotation.AnnotatedRules;

/**
 * What answers a typed client's method in place of the mesh when it gives up on a call: a default method of the
 * interface that the method's {@link Fallback} names, else the same method of the interface's fallback object.
 * Found when the client is made, so that a fallback that does not fit fails then, naming the method.
 */
final class FallbackTarget {

    /** The default method, unbound (bound to the proxy at each call); or the fallback object's method, bound. */
    private final MethodHandle handle;

    private final boolean onProxy;
    private final boolean takesWhy;

    private FallbackTarget(MethodHandle handle, boolean onProxy, boolean takesWhy) {
        this.handle = handle;
        this.onProxy = onProxy;
        this.takesWhy = takesWhy;
    }

    /**
     * The fallback of {@code method}, or null if it has none.
     *
     * @param instance the interface's fallback object, or null
     * @throws IllegalArgumentException naming the method when its {@link Fallback} names no fitting default method
     */
    static @Nullable FallbackTarget of(Class<?> iface, Method method, @Nullable Object instance) {
        final @Nullable Fallback annotation = method.getAnnotation(Fallback.class);
        try {
            final MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(iface, MethodHandles.lookup());
            if (annotation != null) {
                final Method target = defaultMethod(iface, method, annotation.value());
                return new FallbackTarget(
                        lookup.unreflectSpecial(target, iface),
                        true,
                        target.getParameterCount() > method.getParameterCount());
            }
            if (instance != null) {
                return new FallbackTarget(lookup.unreflect(method).bindTo(instance), false, false);
            }
            return null;
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException(
                    AnnotatedRules.describe(method) + ": its fallback cannot be called: " + e.getMessage(), e);
        }
    }

    private static Method defaultMethod(Class<?> iface, Method method, String name) {
        final Class<?>[] params = method.getParameterTypes();
        final Class<?>[] withWhy = Arrays.copyOf(params, params.length + 1);
        withWhy[params.length] = Throwable.class;
        for (Class<?>[] candidate : new Class<?>[][] {withWhy, params}) {
            try {
                final Method target = iface.getMethod(name, candidate);
                if (target.isDefault() && target.getReturnType() == method.getReturnType()) {
                    return target;
                }
            } catch (NoSuchMethodException e) {
                // The other form, or none.
            }
        }
        final String types = Arrays.stream(params)
                .map(Class::getSimpleName)
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        throw new IllegalArgumentException(AnnotatedRules.describe(method) + ": @Fallback(\"" + name
                + "\") names no default method " + name + '(' + types + ") or " + name + '(' + types
                + (types.isEmpty() ? "" : ", ") + "Throwable) returning "
                + method.getReturnType().getSimpleName()
                + " (expected: a default method of " + iface.getSimpleName()
                + " taking the method's parameters, optionally followed by a Throwable, and returning its type)");
    }

    /**
     * Whether the mesh gave up on the call, so that the fallback answers: no answer, or a 5xx once retries were
     * spent. A 4xx says the request is at fault, and an unreadable answer a bug: neither is the mesh's to hide.
     */
    static boolean applies(Throwable why) {
        return why instanceof MeshUnavailableException
                || why instanceof MeshCallException e && e.status().isServerError();
    }

    @Nullable
    Object call(Object proxy, @Nullable Object[] args, Throwable why) throws Throwable {
        final Object[] given = args != null ? args : new Object[0];
        final Object[] passed = takesWhy ? Arrays.copyOf(given, given.length + 1) : given;
        if (takesWhy) {
            passed[given.length] = why;
        }
        return (onProxy ? handle.bindTo(proxy) : handle).invokeWithArguments(passed);
    }
}
