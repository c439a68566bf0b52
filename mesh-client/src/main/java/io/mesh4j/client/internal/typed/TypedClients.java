package io.mesh4j.client.internal.typed;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.linecorp.armeria.client.WebClient;

import io.mesh4j.core.annotation.ServiceClient;
import io.mesh4j.core.discovery.ServiceName;

/**
 * Makes typed clients: a proxy of the interface whose every method is read when it is made, so that a mistake
 * (no mapping annotation, a path variable without its {@code @Param}, annotations that contradict) fails then,
 * naming the method, rather than at the first call.
 */
public final class TypedClients {

    /** Lenient on unknown fields: a service that adds a field to its answers must not break its callers. */
    private static final ObjectMapper DEFAULT_MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .findAndAddModules()
            .build();

    private TypedClients() {}

    /**
     * @param clients the mesh's web client of a service
     * @throws IllegalArgumentException naming the interface or the method and what is wrong
     */
    public static <T> T create(Class<T> iface, Function<ServiceName, WebClient> clients) {
        return create(iface, clients, DEFAULT_MAPPER, null);
    }

    /**
     * @param fallback the object whose methods answer when the mesh gives up on a call; null for the one the
     *     interface's {@code @ServiceClient(fallback = ...)} names, made with its constructor without parameters
     * @throws IllegalArgumentException naming the interface or the method and what is wrong
     */
    public static <T> T create(Class<T> iface, Function<ServiceName, WebClient> clients, @Nullable T fallback) {
        return create(iface, clients, DEFAULT_MAPPER, fallback);
    }

    public static <T> T create(
            Class<T> iface, Function<ServiceName, WebClient> clients, ObjectMapper mapper, @Nullable T fallback) {
        requireNonNull(iface, "iface");
        requireNonNull(clients, "clients");
        requireNonNull(mapper, "mapper");
        if (!iface.isInterface()) {
            throw new IllegalArgumentException(iface.getName() + " is not an interface (expected: an interface "
                    + "annotated with @ServiceClient(\"service\"))");
        }
        final @Nullable ServiceClient annotation = iface.getAnnotation(ServiceClient.class);
        if (annotation == null) {
            throw new IllegalArgumentException(iface.getName() + " has no @ServiceClient (expected: "
                    + "@ServiceClient(\"orders\") on the interface, naming the service)");
        }
        final ServiceName service;
        try {
            service = ServiceName.of(annotation.value());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("@ServiceClient on " + iface.getName() + ": " + e.getMessage(), e);
        }
        final @Nullable Object fallbackObject = fallback != null ? fallback : fallbackOf(iface, annotation);
        final Map<Method, TypedMethod> methods = new HashMap<>();
        final Map<Method, FallbackTarget> fallbacks = new HashMap<>();
        for (Method method : iface.getMethods()) {
            if (!method.isDefault() && !Modifier.isStatic(method.getModifiers())) {
                methods.put(method, TypedMethod.of(iface, service, method, mapper));
                final @Nullable FallbackTarget target = FallbackTarget.of(iface, method, fallbackObject);
                if (target != null) {
                    fallbacks.put(method, target);
                }
            }
        }
        final WebClient client = clients.apply(service);
        final InvocationHandler handler = (proxy, method, args) -> {
            final @Nullable TypedMethod typed = methods.get(method);
            if (typed != null) {
                final @Nullable FallbackTarget target = fallbacks.get(method);
                return target != null ? typed.invoke(client, args, target, proxy) : typed.invoke(client, args);
            }
            if (method.isDefault()) {
                // Through a private lookup, so that an interface its package keeps to itself works too.
                return MethodHandles.privateLookupIn(iface, MethodHandles.lookup())
                        .unreflectSpecial(method, iface)
                        .bindTo(proxy)
                        .invokeWithArguments(args != null ? args : new Object[0]);
            }
            switch (method.getName()) {
                case "toString":
                    return iface.getSimpleName() + "(mesh client of " + service + ')';
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    throw new UnsupportedOperationException(method.toString());
            }
        };
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, handler));
    }

    /** The object {@code @ServiceClient(fallback = ...)} names, made with its constructor without parameters. */
    private static @Nullable Object fallbackOf(Class<?> iface, ServiceClient annotation) {
        final Class<?> type = annotation.fallback();
        if (type == void.class) {
            return null;
        }
        if (!iface.isAssignableFrom(type)) {
            throw new IllegalArgumentException("@ServiceClient(fallback = " + type.getSimpleName() + ".class) on "
                    + iface.getName() + ": " + type.getName() + " does not implement " + iface.getSimpleName()
                    + " (expected: a class implementing the interface, whose methods answer instead)");
        }
        try {
            final var constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(
                    "@ServiceClient(fallback = " + type.getSimpleName() + ".class) on "
                            + iface.getName() + ": cannot make one with a constructor without parameters (" + e
                            + "); give one instead: meshClient.client(" + iface.getSimpleName() + ".class, fallback)",
                    e);
        }
    }
}
