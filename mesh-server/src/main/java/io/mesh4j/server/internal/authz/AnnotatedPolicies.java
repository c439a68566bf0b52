package io.mesh4j.server.internal.authz;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.annotation.AnnotatedService;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.authz.AccessRule;
import io.mesh4j.core.authz.AllowCallers;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The policy a route declares with {@link AllowCallers}, on its method or else on its class; read once per route
 * and remembered. A route without the annotation declares none.
 */
final class AnnotatedPolicies {

    private final Map<ServiceConfig, Optional<AccessPolicy>> byRoute = new ConcurrentHashMap<>();

    @Nullable
    AccessPolicy of(ServiceConfig config) {
        return byRoute.computeIfAbsent(config, AnnotatedPolicies::read).orElse(null);
    }

    private static Optional<AccessPolicy> read(ServiceConfig config) {
        final @Nullable AnnotatedService annotated = config.service().as(AnnotatedService.class);
        if (annotated == null) {
            return Optional.empty();
        }
        final Method method = annotated.method();
        @Nullable AllowCallers allow = method.getAnnotation(AllowCallers.class);
        if (allow == null) {
            allow = annotated.serviceClass().getAnnotation(AllowCallers.class);
        }
        if (allow == null) {
            return Optional.empty();
        }
        final Set<ServiceName> callers;
        try {
            callers = Arrays.stream(allow.value()).map(ServiceName::of).collect(Collectors.toSet());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@AllowCallers on " + method + ": " + e.getMessage(), e);
        }
        return Optional.of(
                new AccessPolicy(List.of(new AccessRule(Set.of(config.route().patternString()), Set.of(), callers))));
    }
}
