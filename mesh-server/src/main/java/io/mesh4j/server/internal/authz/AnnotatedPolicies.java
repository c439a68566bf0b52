package io.mesh4j.server.internal.authz;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.annotation.AnnotatedService;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.AllowCallers;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.annotation.AnnotatedRules;
import io.mesh4j.server.internal.grpc.GrpcMethods;

/**
 * The policy a route declares with {@link AllowCallers}, on its method or else on its class; read once per route
 * and remembered. A route without the annotation declares none. {@link #validate(Object)} checks the annotations
 * of a service when the server is built.
 */
public final class AnnotatedPolicies {

    private final Map<ServiceConfig, Optional<AccessPolicy>> byRoute = new ConcurrentHashMap<>();
    private final GrpcMethods grpcMethods;

    /** @param grpcMethods the implementations of the server's gRPC methods, whose annotations are read too */
    AnnotatedPolicies(GrpcMethods grpcMethods) {
        this.grpcMethods = grpcMethods;
    }

    @Nullable
    AccessPolicy of(ServiceConfig config) {
        return byRoute.computeIfAbsent(config, this::read).orElse(null);
    }

    private Optional<AccessPolicy> read(ServiceConfig config) {
        final Method method;
        final Class<?> type;
        final @Nullable AnnotatedService annotated = config.service().as(AnnotatedService.class);
        if (annotated != null) {
            method = annotated.method();
            type = annotated.serviceClass();
        } else {
            // A gRPC method: its route is its path, and its implementation carries the annotation.
            final GrpcMethods.@Nullable Implementation grpc =
                    grpcMethods.of(config.route().patternString());
            if (grpc == null) {
                return Optional.empty();
            }
            method = grpc.method();
            type = grpc.type();
        }
        @Nullable AllowCallers allow = method.getAnnotation(AllowCallers.class);
        if (allow == null) {
            allow = type.getAnnotation(AllowCallers.class);
        }
        if (allow == null) {
            return Optional.empty();
        }
        final Set<ServiceName> callers;
        try {
            callers = callers(allow, AnnotatedRules.describe(method));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return Optional.of(
                new AccessPolicy(List.of(new AccessRule(Set.of(config.route().patternString()), Set.of(), callers))));
    }

    /**
     * Reads the {@link AllowCallers} of {@code annotatedService}'s class and public methods now, so that a caller
     * that is not a valid service name fails the server's build, naming where, rather than the route's first
     * request.
     *
     * @throws IllegalArgumentException naming the class or method, the name and what to change
     */
    public static void validate(Object annotatedService) {
        final Class<?> type = annotatedService.getClass();
        final @Nullable AllowCallers onType = type.getAnnotation(AllowCallers.class);
        if (onType != null) {
            callers(onType, "class " + type.getName());
        }
        for (Method method : type.getMethods()) {
            final @Nullable AllowCallers onMethod = method.getAnnotation(AllowCallers.class);
            if (onMethod != null && !Modifier.isStatic(method.getModifiers())) {
                callers(onMethod, AnnotatedRules.describe(method));
            }
        }
    }

    private static Set<ServiceName> callers(AllowCallers allow, String where) {
        final Set<ServiceName> callers = new HashSet<>();
        for (String caller : allow.value()) {
            try {
                callers.add(ServiceName.of(caller));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "@AllowCallers on " + where + ": " + e.getMessage()
                                + " (change it to the service name of the caller, as it registers)",
                        e);
            }
        }
        return Set.copyOf(callers);
    }
}
