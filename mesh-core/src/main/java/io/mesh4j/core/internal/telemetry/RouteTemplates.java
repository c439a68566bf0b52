package io.mesh4j.core.internal.telemetry;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * The route template of an inbound request, the one label and span name part that identifies a route without
 * the ids in its path: {@code /orders/:id}, never {@code /orders/42}.
 */
public final class RouteTemplates {

    /**
     * The template of the route that {@code ctx} matched, as Armeria writes it ({@code /orders/:id},
     * {@code prefix:/static/}), or {@code null} when the request matched no route and went to the fallback.
     */
    public static @Nullable String templateOf(ServiceRequestContext ctx) {
        final Route route = ctx.config().route();
        if (route.isFallback()) {
            return null;
        }
        return route.patternString();
    }

    /** The template, or {@link MeshMetrics#UNMATCHED}: one bucket for every path no route matched. */
    public static String labelOf(ServiceRequestContext ctx) {
        final @Nullable String template = templateOf(ctx);
        return template != null ? template : MeshMetrics.UNMATCHED;
    }

    private RouteTemplates() {}
}
