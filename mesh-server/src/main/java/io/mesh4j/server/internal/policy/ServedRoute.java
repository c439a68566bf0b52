package io.mesh4j.server.internal.policy;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.routing.RouteRule;

/**
 * What a served request follows: the registry's rule that matched it, the rule its route's annotations declare,
 * and the two merged (the registry's parts over the annotations'); each may be absent.
 */
public record ServedRoute(
        @Nullable RouteRule fromRegistry, @Nullable RouteRule fromAnnotations) {

    static final ServedRoute NONE = new ServedRoute(null, null);

    /** The rule in force: the registry's over the annotations'; null when neither says anything. */
    public @Nullable RouteRule rule() {
        if (fromRegistry == null) {
            return fromAnnotations;
        }
        return fromAnnotations == null ? fromRegistry : fromRegistry.over(fromAnnotations);
    }

    /**
     * The rule that sets {@code part}, the registry's first; null when none does. Layers key their state (a rate
     * limiter, a bulkhead) by it, so that the state lasts as long as the rule that asked for it.
     */
    public @Nullable RouteRule sourceOf(Function<RouteRule, @Nullable Object> part) {
        if (fromRegistry != null && part.apply(fromRegistry) != null) {
            return fromRegistry;
        }
        return fromAnnotations != null && part.apply(fromAnnotations) != null ? fromAnnotations : null;
    }

    /** Where a part comes from, for messages: {@code "the registry's rule 'canary'"} or the annotated method. */
    public static String describe(RouteRule source, ServedRoute route) {
        return source == route.fromRegistry
                ? "the registry's rule '" + source.name() + '\''
                : "the annotations of " + source.name();
    }
}
