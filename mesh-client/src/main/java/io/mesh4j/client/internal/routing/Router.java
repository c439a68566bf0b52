package io.mesh4j.client.internal.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.policy.PolicyRegistry;
import io.mesh4j.core.internal.routing.ServedOverrides;
import io.mesh4j.core.routing.RouteOverride;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.core.routing.Subset;
import io.mesh4j.core.routing.WeightedSubset;
import io.mesh4j.core.stack.StackParams;

/**
 * Decides where a call goes, once per call, in this order:
 * <ol>
 *   <li>the route override the call carries, if it may carry one, can send it to another service or subset;</li>
 *   <li>the target service's live route config picks the rule: its first rule that matches the method, path and
 *       headers, laid over what the typed client's annotations declare for the method;</li>
 *   <li>the rule's split draws the subset, by weight;</li>
 *   <li>a subset with no instance now falls back to the rule's fallback, or else the call is answered 503.</li>
 * </ol>
 */
public final class Router {

    /** The stack parameter through which the ROUTING layer finds the router of its service. */
    public static final StackParams.Key<Router> KEY = StackParams.Key.required("router");

    private static final Logger logger = LoggerFactory.getLogger(Router.class);

    private final ServiceName service;
    private final PolicyRegistry policies;
    private final Function<ServiceName, ServiceEndpoints> endpointsOf;
    /** The decision of most calls, the same for each: the service's whole group, no rule, no override. */
    private final RouteDecision plain;

    /**
     * @param endpointsOf the endpoints of any service, for calls an override sends elsewhere
     */
    public Router(ServiceName service, PolicyRegistry policies, Function<ServiceName, ServiceEndpoints> endpointsOf) {
        this.service = requireNonNull(service, "service");
        this.policies = requireNonNull(policies, "policies");
        this.endpointsOf = requireNonNull(endpointsOf, "endpointsOf");
        plain = new RouteDecision(service, Subset.ALL, null, null, false);
    }

    /** The decision for the call of {@code ctx}: made now if it was not yet, and remembered. */
    public RouteDecision decide(ClientRequestContext ctx) {
        final @Nullable RouteDecision made = RouteDecision.of(ctx);
        if (made != null) {
            return made;
        }
        final RouteDecision decision = decide0(ctx);
        decision.attachTo(ctx);
        return decision;
    }

    /** The endpoints the decided call picks from. */
    public ServiceEndpoints endpointsOf(RouteDecision decision) {
        return endpointsOf.apply(decision.target());
    }

    private RouteDecision decide0(ClientRequestContext ctx) {
        final @Nullable HttpRequest req = ctx.request();
        final RequestHeaders headers = req != null ? req.headers() : RequestHeaders.of(ctx.method(), ctx.path());
        final @Nullable RouteOverride override = overrideOf(ctx, headers);
        final RouteOverride.@Nullable Target redirected = override != null ? override.targetOf(service) : null;
        final ServiceName target = redirected != null ? redirected.service() : service;

        final @Nullable RouteRule fromRegistry = policies.routes(target)
                .current()
                .match(ctx.method(), ctx.path(), headers)
                .orElse(null);
        final @Nullable RouteRule annotated = ctx.attr(RouteDecision.ANNOTATED_RULE);
        final @Nullable RouteRule rule =
                fromRegistry == null ? annotated : annotated == null ? fromRegistry : fromRegistry.over(annotated);

        final ServiceEndpoints endpoints = endpointsOf.apply(target);
        Subset subset = redirected != null && !redirected.subset().labels().isEmpty()
                ? redirected.subset()
                : draw(rule != null ? rule.split() : List.of());
        boolean noInstances = false;
        if (!subset.equals(Subset.ALL) && !endpoints.hasInstances(subset)) {
            final @Nullable Subset fallback = rule != null ? rule.fallback() : null;
            if (fallback != null && endpoints.hasInstances(fallback)) {
                subset = fallback;
            } else {
                noInstances = true;
            }
        }
        if (rule == null && override == null && !noInstances && target.equals(service) && subset.equals(Subset.ALL)) {
            return plain;
        }
        return new RouteDecision(target, subset, rule, override, noInstances);
    }

    private static Subset draw(List<WeightedSubset> split) {
        if (split.isEmpty()) {
            return Subset.ALL;
        }
        int ticket = ThreadLocalRandom.current().nextInt(100);
        for (WeightedSubset share : split) {
            ticket -= share.weight();
            if (ticket < 0) {
                return share.subset();
            }
        }
        return split.get(split.size() - 1).subset();
    }

    /**
     * The override this call follows. Inside a request being served, only the override the server's AUTHZ layer
     * accepted from a trusted caller counts, whatever headers the handler copied onto the call; an override it
     * refused is dropped here too. A call the workload makes on its own follows the header it set.
     */
    private static @Nullable RouteOverride overrideOf(ClientRequestContext ctx, HttpHeaders headers) {
        final @Nullable ServiceRequestContext served = ctx.root();
        if (served != null) {
            final @Nullable RouteOverride accepted = ServedOverrides.acceptedOn(served);
            if (accepted != null || ServedOverrides.refusedOn(served)) {
                return accepted;
            }
        }
        final @Nullable String header = headers.get(RouteOverride.HEADER);
        if (header == null) {
            return null;
        }
        try {
            return RouteOverride.parse(header);
        } catch (IllegalArgumentException e) {
            logger.debug("{}: ignoring a malformed {} header: {}", ctx, RouteOverride.HEADER, e.getMessage());
            return null;
        }
    }

    @Override
    public String toString() {
        return "Router(" + service + ')';
    }
}
