package io.mesh4j.client.internal.routing;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;

import io.mesh4j.client.internal.stack.CallState;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.netty.util.AttributeKey;

/**
 * Where one call goes and what it follows, decided once by the {@link Router} and remembered in the call's
 * {@link CallState}: the layers below read the rule (timeouts, retries, hedging, faults) from it, the transport checks the
 * target's identity by it.
 *
 * @param target      the service the call goes to: the one asked for, or another a route override names
 * @param subset      the instances of it the call may go to
 * @param rule        the rule in force: the registry's over the typed client's annotations; null for defaults
 * @param override    the route override the call carries downstream; null for none
 * @param noInstances true when the subset has no instance now and the rule names no fallback with one
 */
public record RouteDecision(
        ServiceName target,
        Subset subset,
        @Nullable RouteRule rule,
        @Nullable RouteOverride override,
        boolean noInstances) {

    /**
     * The rule a typed client declares for the method being called, which the registry's rule is laid over. Set by
     * the typed client on each call's context.
     */
    public static final AttributeKey<RouteRule> ANNOTATED_RULE =
            AttributeKey.valueOf(RouteDecision.class, "ANNOTATED_RULE");

    /** The decision made for the call of {@code ctx}, or of the call it is an attempt of; null before routing. */
    public static @Nullable RouteDecision of(ClientRequestContext ctx) {
        final @Nullable CallState<RouteDecision> state = CallState.find(ctx);
        return state != null ? state.decision() : null;
    }

    /**
     * The route rule the call of {@code ctx} follows, or null when it was not routed or matched no rule: the one
     * lookup the layers that read a rule's values (timeout, retry, hedge, faults) share.
     */
    public static @Nullable RouteRule ruleOf(ClientRequestContext ctx) {
        final @Nullable RouteDecision decision = of(ctx);
        return decision != null ? decision.rule() : null;
    }

    /** The service the call of {@code ctx} goes to: the routed target, else {@code asked}. */
    public static ServiceName targetOf(ClientRequestContext ctx, ServiceName asked) {
        final @Nullable RouteDecision decision = of(ctx);
        return decision != null ? decision.target() : asked;
    }

    void attachTo(ClientRequestContext ctx) {
        CallState.<RouteDecision>of(ctx).decision(this);
    }

    /** Where the call went, for messages: {@code orders {version=v2}}. */
    public String describe() {
        return target + (subset.labels().isEmpty() ? "" : " " + subset);
    }
}
