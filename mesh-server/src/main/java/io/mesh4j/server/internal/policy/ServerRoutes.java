package io.mesh4j.server.internal.policy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.AnnotatedService;

import io.mesh4j.core.internal.annotation.AnnotatedQuotas;
import io.mesh4j.core.internal.annotation.AnnotatedRules;
import io.mesh4j.core.internal.policy.PolicyRegistry.LiveRoutes;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteMatch;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.stack.StackParams;
import io.mesh4j.server.internal.grpc.GrpcMethods;
import io.netty.util.AttributeKey;

/**
 * Resolves the {@link ServedRoute} of each served request once, on the first layer's ask, and remembers it on the
 * request's context for the layers after: the registry's first matching rule from this service's live route
 * config, and the rule the route's annotations declare, read once per route.
 */
public final class ServerRoutes {

    /** The stack parameter through which the layers find it; annotations only unless set. */
    public static final StackParams.Key<ServerRoutes> KEY =
            StackParams.Key.of("serverRoutes", () -> new ServerRoutes(null, GrpcMethods.none()));

    private static final AttributeKey<ServedRoute> RESOLVED = AttributeKey.valueOf(ServerRoutes.class, "RESOLVED");

    private final @Nullable LiveRoutes live;
    private final GrpcMethods grpcMethods;
    private final Map<ServiceConfig, Optional<RouteRule>> annotated = new ConcurrentHashMap<>();
    private final Map<ServiceConfig, Optional<QuotaSpec>> quotas = new ConcurrentHashMap<>();
    /*
     * Made once: a method reference bound to this object, written at the call, is a new object at every call, and
     * these are asked several times a request (each limit layer resolves the route).
     */
    private final Function<ServiceConfig, Optional<RouteRule>> ruleReader = this::read;
    private final Function<ServiceConfig, Optional<QuotaSpec>> quotaReader = this::readQuota;

    /**
     * @param live this service's route config as the registry pushes it; null to follow the annotations only
     * @param grpcMethods the implementations of the server's gRPC methods, whose annotations are read too
     */
    public ServerRoutes(@Nullable LiveRoutes live, GrpcMethods grpcMethods) {
        this.live = live;
        this.grpcMethods = grpcMethods;
    }

    public @Nullable LiveRoutes live() {
        return live;
    }

    /** What the request being served in {@code ctx} follows. */
    public ServedRoute resolve(ServiceRequestContext ctx) {
        final @Nullable ServedRoute resolved = ctx.attr(RESOLVED);
        if (resolved != null) {
            return resolved;
        }
        final @Nullable RouteConfig config = live != null ? live.current() : null;
        // A config without rules matches nothing: no walk over its (empty) rules, whose iterator is garbage.
        final boolean noRules = config == null || config.rules().isEmpty();
        final @Nullable RouteRule fromRegistry = config == null || noRules
                ? null
                : config.match(ctx.method(), ctx.path(), ctx.request().headers())
                        .orElse(null);
        final @Nullable RouteRule fromAnnotations =
                annotated.computeIfAbsent(ctx.config(), ruleReader).orElse(null);
        if (fromRegistry == null && fromAnnotations == null && noRules) {
            // Nothing to remember: the next layer's ask finds the same in one map read, where an attribute on the
            // context would cost ~130 bytes a request (its entry and its lock).
            return ServedRoute.NONE;
        }
        final ServedRoute route = fromRegistry == null && fromAnnotations == null
                ? ServedRoute.NONE
                : new ServedRoute(fromRegistry, fromAnnotations);
        ctx.setAttr(RESOLVED, route);
        return route;
    }

    /** The mesh-wide quota the served route's {@code @Quota} declares (or its class's); null when none. */
    public @Nullable QuotaSpec declaredQuota(ServiceRequestContext ctx) {
        return quotas.computeIfAbsent(ctx.config(), quotaReader).orElse(null);
    }

    private Optional<QuotaSpec> readQuota(ServiceConfig config) {
        final @Nullable AnnotatedService service = config.service().as(AnnotatedService.class);
        if (service != null) {
            return Optional.ofNullable(AnnotatedQuotas.of(service.method(), service.serviceClass()));
        }
        final GrpcMethods.@Nullable Implementation grpc =
                grpcMethods.of(config.route().patternString());
        return grpc == null ? Optional.empty() : Optional.ofNullable(AnnotatedQuotas.of(grpc.method(), grpc.type()));
    }

    private Optional<RouteRule> read(ServiceConfig config) {
        final @Nullable AnnotatedService service = config.service().as(AnnotatedService.class);
        if (service != null) {
            return Optional.ofNullable(AnnotatedRules.of(service.method(), service.serviceClass(), RouteMatch.ALL));
        }
        // A gRPC method: its route is its path, and its implementation carries the annotations.
        final GrpcMethods.@Nullable Implementation grpc =
                grpcMethods.of(config.route().patternString());
        return grpc == null
                ? Optional.empty()
                : Optional.ofNullable(AnnotatedRules.of(grpc.method(), grpc.type(), RouteMatch.ALL));
    }

    /**
     * Reads the policy annotations of every public method of {@code annotatedService} now, so that a wrong or
     * contradicting one fails the server's build, naming the method, rather than its first request.
     *
     * @throws IllegalArgumentException naming the method and what is wrong
     */
    public static void validate(Object annotatedService) {
        final Class<?> type = annotatedService.getClass();
        for (Method method : type.getMethods()) {
            if (method.getDeclaringClass() != Object.class && !Modifier.isStatic(method.getModifiers())) {
                AnnotatedRules.of(method, type, RouteMatch.ALL);
                AnnotatedQuotas.of(method, type);
            }
        }
    }

    /**
     * Adds the mesh-wide quotas that the public methods of {@code annotatedService} (or its class) declare with
     * {@code @Quota} to {@code declared}, by name, with the method that declares each first.
     *
     * @throws IllegalArgumentException if a quota is wrong, or if two methods declare one name with two sizes,
     *     naming both methods
     */
    public static void declaredQuotas(Object annotatedService, Map<String, Map.Entry<String, QuotaSpec>> declared) {
        final Class<?> type = annotatedService.getClass();
        for (Method method : type.getMethods()) {
            if (method.getDeclaringClass() == Object.class || Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            final @Nullable QuotaSpec quota = AnnotatedQuotas.of(method, type);
            if (quota == null) {
                continue;
            }
            final String where = AnnotatedRules.describe(method);
            final Map.Entry<String, QuotaSpec> first = declared.putIfAbsent(quota.name(), Map.entry(where, quota));
            if (first != null && !first.getValue().equals(quota)) {
                throw new IllegalArgumentException(where + ": @Quota '" + quota.name() + "' is "
                        + describe(quota) + " but " + first.getKey() + " declares it " + describe(first.getValue())
                        + " (expected: one size per quota name; give one of them another name)");
            }
        }
    }

    private static String describe(QuotaSpec quota) {
        return quota.requests() + " per " + quota.per().toSeconds() + "s"
                + (quota.caller() == null ? "" : " from " + quota.caller().value());
    }
}
