package io.mesh4j.server.internal.grpc;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.stub.StreamObserver;
import io.mesh4j.core.stack.StackParams;

/**
 * The Java method that implements each gRPC method of the server's {@link BindableService}s, by the call's path
 * ({@code /pkg.Service/Method}): where the mesh's policy annotations ({@code @AllowCallers}, {@code @RateLimit},
 * {@code @Timeout}, ...) on a gRPC implementation are read, as they are on an annotated service's methods. A
 * service given as a bare {@code ServerServiceDefinition} has no implementation to read.
 */
public final class GrpcMethods {

    /** The stack parameter through which AUTHZ and the route rules find it; none unless set. */
    public static final StackParams.Key<GrpcMethods> KEY = StackParams.Key.of("grpcMethods", GrpcMethods::none);

    /** A gRPC method's implementation: the Java method, and the class whose annotations apply to all of them. */
    public record Implementation(Method method, Class<?> type) {}

    private static final GrpcMethods NONE = new GrpcMethods(Map.of());

    private final Map<String, Implementation> byPath;

    private GrpcMethods(Map<String, Implementation> byPath) {
        this.byPath = Map.copyOf(byPath);
    }

    /**
     * No gRPC services.
     *
     * @return an empty lookup
     */
    public static GrpcMethods none() {
        return NONE;
    }

    /**
     * Finds the implementation of every method of {@code services}: grpc-java's generated stubs name the Java
     * method after the gRPC one in lower camel case ({@code GetOrder} is {@code getOrder}).
     *
     * @param services the server's gRPC services
     * @return the lookup
     */
    public static GrpcMethods of(List<BindableService> services) {
        final Map<String, Implementation> byPath = new HashMap<>();
        for (BindableService service : services) {
            final Class<?> type = service.getClass();
            for (ServerMethodDefinition<?, ?> definition : service.bindService().getMethods()) {
                final MethodDescriptor<?, ?> descriptor = definition.getMethodDescriptor();
                final @Nullable String bare = descriptor.getBareMethodName();
                final @Nullable Method method = bare != null ? implementation(type, bare) : null;
                if (method != null) {
                    byPath.put('/' + descriptor.getFullMethodName(), new Implementation(method, type));
                }
            }
        }
        return new GrpcMethods(byPath);
    }

    /**
     * Returns the implementation of the gRPC method at {@code path}.
     *
     * @param path the route's path, {@code /pkg.Service/Method}
     * @return the implementation, or null when it is not one of these services' methods
     */
    public @Nullable Implementation of(String path) {
        return byPath.get(path);
    }

    private static @Nullable Method implementation(Class<?> type, String bareName) {
        final String name = Character.toLowerCase(bareName.charAt(0)) + bareName.substring(1);
        for (Method method : type.getMethods()) {
            final Class<?>[] parameters = method.getParameterTypes();
            if (method.getName().equals(name)
                    && !Modifier.isStatic(method.getModifiers())
                    && parameters.length >= 1
                    && parameters.length <= 2
                    && parameters[parameters.length - 1] == StreamObserver.class) {
                return method;
            }
        }
        return null;
    }
}
