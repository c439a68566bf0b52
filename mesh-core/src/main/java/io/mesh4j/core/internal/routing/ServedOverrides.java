package io.mesh4j.core.internal.routing;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.RequestContext;

import io.mesh4j.core.routing.RouteOverride;
import io.netty.util.AttributeKey;

/**
 * What the server's AUTHZ layer decided about the route override a served request carried, kept on its context
 * for the mesh clients that call on while serving it. Not API on purpose: an override is followed downstream only
 * once AUTHZ has checked that its caller may send one, and a handler must not be able to say otherwise.
 */
public final class ServedOverrides {

    private static final AttributeKey<RouteOverride> ACCEPTED = AttributeKey.valueOf(ServedOverrides.class, "ACCEPTED");
    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf(ServedOverrides.class, "REFUSED");

    /** Records that the served request's override was checked and is to be followed downstream. */
    public static void accept(RequestContext ctx, RouteOverride override) {
        ctx.setAttr(ACCEPTED, override);
    }

    /** Records that the served request's caller sent an override it may not send. */
    public static void refuse(RequestContext ctx) {
        ctx.setAttr(REFUSED, true);
    }

    /** The override accepted for the request being served in {@code ctx}; null if it had none or it was refused. */
    public static @Nullable RouteOverride acceptedOn(RequestContext ctx) {
        return ctx.attr(ACCEPTED);
    }

    /** Whether the request being served in {@code ctx} came with an override that was refused. */
    public static boolean refusedOn(RequestContext ctx) {
        return Boolean.TRUE.equals(ctx.attr(REFUSED));
    }

    private ServedOverrides() {}
}
